package io.gcgserve.pruners;

import java.util.List;
import java.util.Map;

/**
 * Creates one {@link TokenPruner} per request from validated parameters.
 *
 * <p>Implementations are stateless and thread-safe. Third-party factories are registered by listing
 * their class in {@code META-INF/services/io.gcgserve.pruners.PrunerFactory}.
 */
public interface PrunerFactory {

  /** Registry name, lowercase, e.g. {@code fastv}; what clients put in {@code PrunerSpec.name}. */
  String name();

  /** One sentence for {@code ListPruners}. */
  String description();

  /** Every parameter this pruner accepts, with type, range and default. */
  List<ParameterSpec> parameters();

  /**
   * Validates {@code rawParameters} (name → textual value, missing names take their defaults) and
   * builds a pruner for one request on a model of the given geometry.
   *
   * @throws InvalidPrunerParameterException naming the bad parameter, the bad value and what is
   *     allowed; also for names this pruner does not know
   */
  TokenPruner create(Map<String, String> rawParameters, ModelGeometry geometry);
}
