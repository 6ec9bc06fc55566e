package io.gcgserve.server.experiment;

import static java.util.Objects.requireNonNull;

import io.gcgserve.proto.v1.PrunerSpec;
import java.util.Map;

/**
 * One arm of an experiment: the pruner its requests run and its weight.
 *
 * @param name unique in its experiment; {@code Started.arm} and the {@code arm} metric label
 * @param spec the pruner as the file gave it, in a request's shape
 * @param prunerName the canonical registry name
 * @param parameters the pruner's parameters as name → text, as the factory validated them
 * @param weight relative weight, positive and finite
 * @param share weight over the experiment's total weight
 */
public record Arm(
    String name,
    PrunerSpec spec,
    String prunerName,
    Map<String, String> parameters,
    double weight,
    double share) {

  /** Checks and copies. */
  public Arm {
    requireNonNull(name, "name is null");
    requireNonNull(spec, "spec is null");
    requireNonNull(prunerName, "prunerName is null");
    parameters = Map.copyOf(parameters);
    if (!(weight > 0 && Double.isFinite(weight))) {
      throw new IllegalArgumentException("weight must be positive and finite, got " + weight);
    }
  }
}
