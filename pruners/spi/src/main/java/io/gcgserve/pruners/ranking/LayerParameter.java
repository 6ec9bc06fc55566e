package io.gcgserve.pruners.ranking;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import java.util.Map;

/**
 * The {@code k} parameter of FastV and ALTP: layers {@code 0..k-1} see every visual token and the
 * pruning uses layer {@code k-1}'s attention. Shared so the two pruners prune at the same layer
 * with the same validation.
 */
public final class LayerParameter {

  /** Parameter name. */
  public static final String NAME = "k";

  private LayerParameter() {}

  /** The spec; its static range is widened per model by {@link #parse}. */
  public static ParameterSpec spec(int defaultLayer) {
    return ParameterSpec.ofInt(
        NAME,
        "Prune before layer k (layers 0..k-1 see all visual tokens), ranking by layer k-1's "
            + "attention; must be below the model's layer count.",
        defaultLayer,
        1,
        1023);
  }

  /**
   * Parses {@code k} and checks it against the model: {@code 1 <= k <= layers - 1}.
   *
   * @throws InvalidPrunerParameterException naming the value and the model's allowed range
   */
  public static int parse(
      String pruner,
      Map<String, String> rawParameters,
      ParameterSpec spec,
      ModelGeometry geometry) {
    String text = rawParameters.getOrDefault(NAME, spec.defaultValue());
    int layer = spec.parseInt(pruner, text == null ? "" : text);
    if (layer > geometry.layers() - 1) {
      throw new InvalidPrunerParameterException(
          "pruner '"
              + pruner
              + "': parameter 'k' = '"
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
