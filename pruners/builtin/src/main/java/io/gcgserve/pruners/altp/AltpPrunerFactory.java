package io.gcgserve.pruners.altp;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.SingleLayerPrunerFactory;
import io.gcgserve.pruners.ranking.KeepBudget;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * ALTP, Adaptive Local-Aware Token Pruning: our implementation of the paper (no public code
 * exists). Before layer {@code k} (by layer {@code k-1}'s attention, like FastV):
 *
 * <ol>
 *   <li>DDC: SLIC superpixels (N, C, σ; {@link SuperpixelSegmenter}); each visual token belongs to
 *       the superpixel covering most of its patch (ties: the lower label); regions with no live
 *       token are dropped.
 *   <li>DDF: {@code D_i = Var_i·sqrt(|R_i|/|I|)} ({@link RegionDensity}), min-max normalised to [0,
 *       1] over the kept regions (all equal: equal weights), {@code w_i = softmax(D_i/τ)}; {@code
 *       k_i = w_i·K} with caps at the region's live tokens, surplus re-distributed by weight, at
 *       least {@code min_per_region} (or the region's size if smaller) when {@code Σ_i
 *       min(min_per_region, |T_i|) <= K}, rounded by largest remainder so {@code Σ k_i = K} exactly
 *       ({@link TokenAllocator}).
 *   <li>Within each region keep the {@code k_i} tokens with the most attention from the last prompt
 *       token (ties: the lower grid index).
 * </ol>
 *
 * <p>{@code allocation=uniform} replaces DDF's weights by each region's share of the live tokens
 * (DDC alone, the paper's ablation). Every open choice is listed in {@code pruners/README.md}.
 */
public final class AltpPrunerFactory extends SingleLayerPrunerFactory<AltpPruner> {

  /** Registry name. */
  public static final String NAME = "altp";

  private static final ParameterSpec KEEP_RATIO = KeepBudget.ratioSpec(0.5);
  private static final ParameterSpec KEEP_TOKENS = KeepBudget.tokensSpec();
  private static final ParameterSpec SUPERPIXELS =
      ParameterSpec.ofInt(
          "n_superpixels",
          "Target number of SLIC superpixels N (the actual count varies a little).",
          10,
          2,
          256);
  private static final ParameterSpec COMPACTNESS =
      ParameterSpec.ofDouble(
          "compactness",
          "SLIC compactness C on scikit-image's scale (CIELAB colour vs. grid distance).",
          5.0,
          0.01,
          100.0);
  private static final ParameterSpec SIGMA =
      ParameterSpec.ofDouble(
          "sigma",
          "Gaussian smoothing before SLIC, in pixels of the model's input image.",
          0.8,
          0.0,
          10.0);
  private static final ParameterSpec TEMPERATURE =
      ParameterSpec.ofDouble(
          "temperature",
          "Softmax temperature tau over the normalised detail density; larger is more uniform.",
          1.0,
          0.01,
          100.0);
  private static final ParameterSpec MIN_PER_REGION =
      ParameterSpec.ofInt(
          "min_per_region",
          "Tokens every region keeps (or all of a smaller region) when the budget allows.",
          1,
          0,
          1 << 20);
  private static final ParameterSpec ALLOCATION =
      ParameterSpec.ofEnum(
          "allocation",
          "density: DDC + DDF (the full method); uniform: DDC alone, budgets in proportion to"
              + " region size.",
          Allocation.DENSITY.parameterValue(),
          Allocation.parameterValues());
  private static final ParameterSpec PIXELS_PER_TOKEN =
      ParameterSpec.ofInt(
          "segment_pixels_per_token",
          "SLIC runs on a grid of this many pixels per visual token side (2: 48x48 for 24x24"
              + " tokens); the cost grows with the square of it.",
          2,
          1,
          32);

  /** Creates the factory; stateless. */
  public AltpPrunerFactory() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "ALTP: SLIC superpixels split the keep budget by detail density (DDC + DDF), then the"
        + " last prompt token's attention picks tokens inside each region.";
  }

  @Override
  protected List<ParameterSpec> pruningParameters() {
    return List.of(
        KEEP_RATIO,
        KEEP_TOKENS,
        SUPERPIXELS,
        COMPACTNESS,
        SIGMA,
        TEMPERATURE,
        MIN_PER_REGION,
        ALLOCATION,
        PIXELS_PER_TOKEN);
  }

  @Override
  protected AltpPruner createAfterLayer(
      int pruneAfterLayer, Map<String, String> rawParameters, ModelGeometry geometry) {
    KeepBudget budget =
        KeepBudget.parse(NAME, rawParameters, KEEP_RATIO, KEEP_TOKENS, geometry.visualTokens());
    int superpixels = SUPERPIXELS.parseInt(NAME, valueOf(rawParameters, SUPERPIXELS));
    double compactness = COMPACTNESS.parseDouble(NAME, valueOf(rawParameters, COMPACTNESS));
    double sigma = SIGMA.parseDouble(NAME, valueOf(rawParameters, SIGMA));
    double temperature = TEMPERATURE.parseDouble(NAME, valueOf(rawParameters, TEMPERATURE));
    int minPerRegion = MIN_PER_REGION.parseInt(NAME, valueOf(rawParameters, MIN_PER_REGION));
    Allocation allocation =
        Allocation.fromParameterValue(
            ALLOCATION.parseEnum(NAME, valueOf(rawParameters, ALLOCATION)));
    int pixelsPerToken = PIXELS_PER_TOKEN.parseInt(NAME, valueOf(rawParameters, PIXELS_PER_TOKEN));
    int labelPixels =
        geometry.gridHeight() * geometry.gridWidth() * pixelsPerToken * pixelsPerToken;
    if (labelPixels < 4L * superpixels
        || geometry.gridWidth() * pixelsPerToken < 8
        || geometry.gridHeight() * pixelsPerToken < 8) {
      throw new InvalidPrunerParameterException(
          "pruner 'altp': parameter 'n_superpixels' = '"
              + superpixels
              + "' is invalid with segment_pixels_per_token="
              + pixelsPerToken
              + " on a "
              + geometry.gridHeight()
              + "x"
              + geometry.gridWidth()
              + " token grid; the segmentation grid needs at least 8x8 pixels and 4 pixels per"
              + " superpixel");
    }
    return new AltpPruner(
        pruneAfterLayer,
        budget,
        geometry.visualTokens(),
        new SuperpixelSegmenter(superpixels, compactness, sigma, pixelsPerToken),
        allocation,
        temperature,
        minPerRegion);
  }

  private static String valueOf(Map<String, String> rawParameters, ParameterSpec spec) {
    String value = rawParameters.get(spec.name());
    if (value != null) {
      return value;
    }
    return Objects.requireNonNull(spec.defaultValue(), () -> spec.name() + " has no default");
  }
}
