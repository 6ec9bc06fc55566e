package io.gcgserve.examples.grid;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.SingleLayerPrunerFactory;
import io.gcgserve.pruners.TokenPruner;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Creates {@link GridPruner}s: keep the visual tokens on a regular lattice, ignoring attention.
 *
 * <p>A content-blind baseline: if an attention-driven pruner does not beat uniform subsampling at
 * the same keep count, its ranking is not earning its cost. The lattice is given either by a stride
 * (every {@code stride}-th row and column) or by a keep ratio (evenly spaced rows and columns whose
 * product is closest to {@code ratio * tokens}). It prunes once before layer {@code k}, the same
 * one-based {@code k} as FastV and ALTP, which {@link SingleLayerPrunerFactory} parses and checks.
 */
public final class GridPrunerFactory extends SingleLayerPrunerFactory<TokenPruner> {

  /** Registry name. */
  public static final String NAME = "grid";

  private static final ParameterSpec STRIDE =
      ParameterSpec.ofInt(
          "stride",
          "Keep every stride-th row and column of the token grid (exclusive with keep_ratio).",
          null,
          1,
          64);
  private static final ParameterSpec KEEP_RATIO =
      ParameterSpec.ofDouble(
          "keep_ratio",
          "Fraction of visual tokens to keep on an evenly spaced lattice (exclusive with stride).",
          0.25,
          0.001,
          1.0);

  /** Public no-argument constructor, as {@link java.util.ServiceLoader} requires. */
  public GridPrunerFactory() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Uniform grid subsampling: keeps the visual tokens on a regular lattice "
        + "(every stride-th row and column, or a keep ratio) before layer k.";
  }

  @Override
  protected List<ParameterSpec> pruningParameters() {
    return List.of(STRIDE, KEEP_RATIO);
  }

  @Override
  protected TokenPruner createAfterLayer(
      int pruneAfterLayer, Map<String, String> rawParameters, ModelGeometry geometry) {
    if (rawParameters.containsKey(STRIDE.name()) && rawParameters.containsKey(KEEP_RATIO.name())) {
      throw new InvalidPrunerParameterException(
          "pruner 'grid': give either 'stride' or 'keep_ratio', not both");
    }
    int[] rows;
    int[] columns;
    if (rawParameters.containsKey(STRIDE.name())) {
      int stride = STRIDE.parseInt(NAME, rawParameters.get(STRIDE.name()));
      rows = strided(geometry.gridHeight(), stride);
      columns = strided(geometry.gridWidth(), stride);
    } else {
      double keepRatio = KEEP_RATIO.parseDouble(NAME, valueOrDefault(rawParameters, KEEP_RATIO));
      // the same fraction of rows and of columns keeps the lattice square-ish
      double sideFraction = Math.sqrt(keepRatio);
      rows = evenlySpaced(geometry.gridHeight(), sideCount(geometry.gridHeight(), sideFraction));
      columns = evenlySpaced(geometry.gridWidth(), sideCount(geometry.gridWidth(), sideFraction));
    }
    return new GridPruner(pruneAfterLayer, GridPruner.lattice(rows, columns, geometry.gridWidth()));
  }

  private static int sideCount(int side, double fraction) {
    return Math.max(1, Math.min(side, (int) Math.round(side * fraction)));
  }

  /** Indices 0, stride, 2·stride, ... below {@code side}. */
  static int[] strided(int side, int stride) {
    int count = (side + stride - 1) / stride;
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = i * stride;
    }
    return out;
  }

  /** {@code count} distinct indices in {@code [0, side)}, centred in equal-width cells. */
  static int[] evenlySpaced(int side, int count) {
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = (int) Math.floor((i + 0.5) * side / count);
    }
    return out;
  }

  /** The request's value for {@code spec}, else its default; only called for specs with one. */
  private static String valueOrDefault(Map<String, String> rawParameters, ParameterSpec spec) {
    String value = rawParameters.get(spec.name());
    if (value != null) {
      return value;
    }
    return Objects.requireNonNull(spec.defaultValue(), spec.name() + " has no default");
  }
}
