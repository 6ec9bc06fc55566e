package io.gcgserve.pruners.altp;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PruningHooks;
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
 *
 * <p>The selection runs between two layers of the prefill, on a thread that serves other requests
 * too; SLIC gives up between its iterations once the request is cancelled ({@link
 * io.gcgserve.pruners.PruningView#cancelled}), and every range is capped by cost: {@code
 * segment_pixels_per_token} at 4 and the label grid at {@link #MAX_LABEL_PIXELS} pixels (SLIC's
 * cost follows the label pixels), the other parameters where their worst case stays within that
 * budget. {@code bin/gcg-bench pruners --worst-case} measures the most expensive allowed
 * combinations.
 */
public final class AltpPrunerFactory extends SingleLayerPrunerFactory<AltpPruner> {

  /** Registry name. */
  public static final String NAME = "altp";

  private static final ParameterSpec KEEP_RATIO = KeepBudget.ratioSpec(0.5);
  private static final ParameterSpec KEEP_TOKENS = KeepBudget.tokensSpec();
  private static final ParameterSpec SUPERPIXELS =
      ParameterSpec.ofInt(
          "n_superpixels",
          "Target number of SLIC superpixels N (the actual count varies a little); capped at 256,"
              + " within the cost budget at every allowed segment_pixels_per_token.",
          10,
          2,
          256);
  private static final ParameterSpec COMPACTNESS =
      ParameterSpec.ofDouble(
          "compactness",
          "SLIC compactness C on scikit-image's scale (CIELAB colour vs. grid distance); SLIC's"
              + " cost does not depend on it (measured over the whole range).",
          5.0,
          0.01,
          100.0);
  private static final ParameterSpec SIGMA =
      ParameterSpec.ofDouble(
          "sigma",
          "Gaussian smoothing before SLIC, in pixels of the model's input image; capped at 10"
              + " so the blur on the label grid stays cheap.",
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

  /** {@code variant}: which defaults the other parameters take when not given. */
  public static final String VARIANT = "variant";

  /** {@code variant=tuned}: the served defaults. */
  public static final String TUNED = "tuned";

  /** {@code variant=paper}: the paper's text literally, where the label grid's cost cap allows. */
  public static final String PAPER = "paper";

  private static final ParameterSpec VARIANT_SPEC =
      ParameterSpec.ofEnum(
          VARIANT,
          "tuned: our defaults; paper: every step the paper's text does not state is off"
              + " (density_normalisation=none, area_form=linear, caps=none, min_per_region=0,"
              + " sigma=0, segment_pixels_per_token=4, the finest grid the cost cap allows)."
              + " Parameters given explicitly win over the variant.",
          TUNED,
          List.of(TUNED, PAPER));
  private static final ParameterSpec NORMALISATION =
      ParameterSpec.ofEnum(
          "density_normalisation",
          "minmax: densities min-max normalised to [0, 1] before the softmax (ours); none: the"
              + " softmax of the raw densities (the paper's Eq. 4; default of variant=paper).",
          "minmax",
          List.of("minmax", "none"));
  private static final ParameterSpec AREA_FORM =
      ParameterSpec.ofEnum(
          "area_form",
          "sqrt: D_i = Var_i*sqrt(|R_i|/|I|) (ours); linear: D_i = Var_i*|R_i|/|I| (our reading"
              + " of the paper's Eq. 3; default of variant=paper).",
          "sqrt",
          List.of("sqrt", "linear"));
  private static final ParameterSpec CAPS =
      ParameterSpec.ofEnum(
          "caps",
          "redistribute: a region gets at most its live tokens and its surplus goes to the"
              + " others by weight, so exactly K are kept (ours); none: k_i = w_i*K rounded, a"
              + " region keeps at most its tokens and the surplus is not spent (default of"
              + " variant=paper).",
          "redistribute",
          List.of("redistribute", "none"));

  /**
   * Most label-grid pixels SLIC may run on: 96x96, i.e. {@code segment_pixels_per_token=4} on a
   * 24x24 token grid. The selection runs on the engine thread between two layers and cannot be
   * interrupted, and SLIC's cost grows with the label pixels (about 20 ms worst case at this size
   * on two shared cores, 40-50 ms at 120x120; figures in {@code pruners/README.md}).
   */
  public static final int MAX_LABEL_PIXELS = 96 * 96;

  private static final ParameterSpec PIXELS_PER_TOKEN =
      ParameterSpec.ofInt(
          "segment_pixels_per_token",
          "SLIC runs on a grid of this many pixels per visual token side (2: 48x48 for 24x24"
              + " tokens); capped by cost at 4 (SLIC grows with the square of it), and the label"
              + " grid may have at most "
              + MAX_LABEL_PIXELS
              + " pixels on models with larger token grids.",
          2,
          1,
          4);

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
        PIXELS_PER_TOKEN,
        VARIANT_SPEC,
        NORMALISATION,
        AREA_FORM,
        CAPS,
        PruningHooks.POSITIONS);
  }

  /**
   * The value of {@code spec}: given, else {@code paperValue} under {@code variant=paper}, else the
   * spec's default.
   */
  private static String valueOf(
      Map<String, String> rawParameters, ParameterSpec spec, boolean paper, String paperValue) {
    String value = rawParameters.get(spec.name());
    if (value != null) {
      return value;
    }
    return paper ? paperValue : valueOf(rawParameters, spec);
  }

  @Override
  protected AltpPruner createAfterLayer(
      int pruneAfterLayer, Map<String, String> rawParameters, ModelGeometry geometry) {
    KeepBudget budget =
        KeepBudget.parse(NAME, rawParameters, KEEP_RATIO, KEEP_TOKENS, geometry.visualTokens());
    boolean paper =
        PAPER.equals(VARIANT_SPEC.parseEnum(NAME, valueOf(rawParameters, VARIANT_SPEC)));
    int superpixels = SUPERPIXELS.parseInt(NAME, valueOf(rawParameters, SUPERPIXELS));
    double compactness = COMPACTNESS.parseDouble(NAME, valueOf(rawParameters, COMPACTNESS));
    double sigma = SIGMA.parseDouble(NAME, valueOf(rawParameters, SIGMA, paper, "0"));
    double temperature = TEMPERATURE.parseDouble(NAME, valueOf(rawParameters, TEMPERATURE));
    int minPerRegion =
        MIN_PER_REGION.parseInt(NAME, valueOf(rawParameters, MIN_PER_REGION, paper, "0"));
    Allocation allocation =
        Allocation.fromParameterValue(
            ALLOCATION.parseEnum(NAME, valueOf(rawParameters, ALLOCATION)));
    int pixelsPerToken =
        PIXELS_PER_TOKEN.parseInt(
            NAME,
            valueOf(rawParameters, PIXELS_PER_TOKEN, paper, "" + finestAllowedGrid(geometry)));
    AltpOptions options =
        new AltpOptions(
            "minmax"
                .equals(
                    NORMALISATION.parseEnum(
                        NAME, valueOf(rawParameters, NORMALISATION, paper, "none"))),
            "sqrt"
                .equals(
                    AREA_FORM.parseEnum(NAME, valueOf(rawParameters, AREA_FORM, paper, "linear"))),
            "redistribute"
                .equals(CAPS.parseEnum(NAME, valueOf(rawParameters, CAPS, paper, "none"))));
    checkLabelGrid(pixelsPerToken, superpixels, geometry);
    return new AltpPruner(
        pruneAfterLayer,
        budget,
        geometry.visualTokens(),
        new SuperpixelSegmenter(superpixels, compactness, sigma, pixelsPerToken),
        allocation,
        temperature,
        minPerRegion,
        options,
        PruningHooks.positions(NAME, rawParameters));
  }

  /**
   * The largest {@code segment_pixels_per_token} the cost caps allow on {@code geometry} (4 on a
   * 24x24 token grid): the nearest {@code variant=paper} can come to the paper's full-resolution
   * SLIC.
   */
  static int finestAllowedGrid(ModelGeometry geometry) {
    long tokens = (long) geometry.gridHeight() * geometry.gridWidth();
    int largest = (int) Math.sqrt(MAX_LABEL_PIXELS / (double) tokens);
    return Math.max(1, Math.min(4, largest)); // 4: segment_pixels_per_token's cap
  }

  /**
   * Joint limits of {@code segment_pixels_per_token} with the model's token grid and with {@code
   * n_superpixels}: at most {@link #MAX_LABEL_PIXELS} label pixels (SLIC's cost), at least 8x8 of
   * them and 4 per superpixel (SLIC's needs).
   */
  private static void checkLabelGrid(int pixelsPerToken, int superpixels, ModelGeometry geometry) {
    long labelWidth = (long) geometry.gridWidth() * pixelsPerToken;
    long labelHeight = (long) geometry.gridHeight() * pixelsPerToken;
    long labelPixels = labelWidth * labelHeight;
    String grid = geometry.gridHeight() + "x" + geometry.gridWidth() + " token grid";
    if (labelPixels > MAX_LABEL_PIXELS) {
      long tokens = (long) geometry.gridHeight() * geometry.gridWidth();
      int largest = (int) Math.sqrt(MAX_LABEL_PIXELS / (double) tokens);
      throw new InvalidPrunerParameterException(
          "pruner 'altp': parameter 'segment_pixels_per_token' = '"
              + pixelsPerToken
              + "' is invalid on a "
              + grid
              + ": SLIC's label grid would be "
              + labelHeight
              + "x"
              + labelWidth
              + " = "
              + labelPixels
              + " pixels, over the cost cap of "
              + MAX_LABEL_PIXELS
              + " (96x96); "
              + (largest >= 1
                  ? "at most " + largest + " on this model"
                  : "this model's token grid is too large for ALTP"));
    }
    if (labelPixels < 4L * superpixels || labelWidth < 8 || labelHeight < 8) {
      throw new InvalidPrunerParameterException(
          "pruner 'altp': parameter 'n_superpixels' = '"
              + superpixels
              + "' is invalid with segment_pixels_per_token="
              + pixelsPerToken
              + " on a "
              + grid
              + "; the segmentation grid needs at least 8x8 pixels and 4 pixels per"
              + " superpixel");
    }
  }

  private static String valueOf(Map<String, String> rawParameters, ParameterSpec spec) {
    String value = rawParameters.get(spec.name());
    if (value != null) {
      return value;
    }
    return Objects.requireNonNull(spec.defaultValue(), () -> spec.name() + " has no default");
  }
}
