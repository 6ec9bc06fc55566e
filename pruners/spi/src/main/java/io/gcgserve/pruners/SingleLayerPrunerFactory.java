package io.gcgserve.pruners;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Base of the pruners that prune once, before layer {@code k} (after layer {@code k-1}), like
 * FastV: it owns the one-based {@code k} parameter, so every such pruner, built-in or plugin,
 * offers it under the same name, with the same default, range and messages.
 *
 * <p>{@code k} is one-based as in the FastV paper: layers {@code 0..k-1} see every visual token,
 * layers {@code k} and later only the kept ones, and a pruner that ranks by attention reads layer
 * {@code k-1}'s. A subclass lists its other parameters in {@link #pruningParameters()} and builds
 * its pruner in {@link #createAfterLayer}; names it does not know are rejected before that.
 *
 * @param <P> the pruner type, so that a factory can return its concrete pruner
 */
public abstract class SingleLayerPrunerFactory<P extends TokenPruner> implements PrunerFactory {

  /** Name of the layer parameter. */
  public static final String LAYER = "k";

  /** Default {@code k}: prune after the second layer (zero-based layer 1), as FastV does. */
  public static final int DEFAULT_LAYER = 2;

  // the static upper bound only keeps the text finite; parseLayer narrows it to the model's depth
  private static final ParameterSpec LAYER_SPEC =
      ParameterSpec.ofInt(
          LAYER,
          "Prune once before layer k: layers 0..k-1 see every visual token, layers k and later"
              + " only the kept ones (attention is read at layer k-1); below the model's layer"
              + " count.",
          DEFAULT_LAYER,
          1,
          1023);

  /** For subclasses. */
  protected SingleLayerPrunerFactory() {}

  /** The {@code k} spec every single-layer pruner lists first. */
  public static ParameterSpec layerSpec() {
    return LAYER_SPEC;
  }

  /** The parameters besides {@code k}, in the order {@code ListPruners} shows them. */
  protected abstract List<ParameterSpec> pruningParameters();

  /**
   * Builds one request's pruner once {@code k} has been read.
   *
   * @param pruneAfterLayer the zero-based layer to prune after, {@code k-1}, below the model's last
   *     layer
   * @param rawParameters every parameter the client sent, {@code k} included; only known names
   * @param geometry the model the pruner runs on
   * @throws InvalidPrunerParameterException naming a bad parameter and what is allowed
   */
  protected abstract P createAfterLayer(
      int pruneAfterLayer, Map<String, String> rawParameters, ModelGeometry geometry);

  /** {@code k} first, then {@link #pruningParameters()}. */
  @Override
  public final List<ParameterSpec> parameters() {
    List<ParameterSpec> all = new ArrayList<>();
    all.add(LAYER_SPEC);
    all.addAll(pruningParameters());
    return List.copyOf(all);
  }

  /**
   * Rejects unknown names, reads {@code k} against the model's depth, then delegates to {@link
   * #createAfterLayer} with {@code k-1}.
   */
  @Override
  public final P create(Map<String, String> rawParameters, ModelGeometry geometry) {
    Objects.requireNonNull(rawParameters, "rawParameters is null");
    Objects.requireNonNull(geometry, "geometry is null");
    ParameterSpec.rejectUnknown(name(), rawParameters, parameters());
    int layer = parseLayer(name(), rawParameters, geometry);
    return createAfterLayer(layer - 1, rawParameters, geometry);
  }

  /**
   * Parses {@code k} (its default when absent) and checks {@code 1 <= k <= layers - 1}.
   *
   * @throws InvalidPrunerParameterException naming the value and the model's allowed range
   */
  static int parseLayer(String pruner, Map<String, String> rawParameters, ModelGeometry geometry) {
    if (geometry.layers() < 2) {
      throw new InvalidPrunerParameterException(
          "pruner '"
              + pruner
              + "' prunes between two layers, but this model has "
              + geometry.layers()
              + " layer");
    }
    String text =
        rawParameters.getOrDefault(LAYER, Objects.requireNonNull(LAYER_SPEC.defaultValue()));
    int layer = LAYER_SPEC.parseInt(pruner, text);
    if (layer > geometry.layers() - 1) {
      throw new InvalidPrunerParameterException(
          "pruner '"
              + pruner
              + "': parameter '"
              + LAYER
              + "' = '"
              + text
              + "' is invalid; expected an integer in [1, "
              + (geometry.layers() - 1)
              + "] for this model ("
              + geometry.layers()
              + " layers)");
    }
    return layer;
  }
}
