package io.gcgserve.pruners.altp;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.SingleLayerPruner;
import io.gcgserve.pruners.flops.PlannedPruner;
import io.gcgserve.pruners.flops.PrunePlan;
import io.gcgserve.pruners.ranking.AttentionRanking;
import io.gcgserve.pruners.ranking.KeepBudget;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One request's ALTP step (see {@link AltpPrunerFactory} for the method and its open choices).
 * Public so that tools can run the stages separately ({@link #segment}, {@link #select}) and read
 * what was decided ({@link #lastSelection()}), e.g. to draw the superpixels that were really used.
 */
public final class AltpPruner extends SingleLayerPruner implements PlannedPruner {

  private final KeepBudget budget;
  private final int visualTokens;
  private final SuperpixelSegmenter segmenter;
  private final Allocation allocation;
  private final double temperature;
  private final int minPerRegion;
  private final AltpOptions options;
  private final Positions positions;
  private @Nullable AltpSelection lastSelection;

  /**
   * Creates the pruner; normally through {@link AltpPrunerFactory#create}.
   *
   * @param pruneAfterLayer layer whose attention ranks tokens, {@code k-1}
   * @param budget total keep budget K
   * @param visualTokens the model's visual token count, for {@link #plan()}
   * @param segmenter SLIC settings
   * @param allocation density (DDC + DDF) or uniform (DDC alone)
   * @param temperature softmax temperature τ over the normalised density
   * @param minPerRegion tokens every region keeps when the budget allows
   * @param options the steps the paper does not state, each on or off
   * @param positions RoPE numbering of the kept tokens ({@code positions})
   */
  public AltpPruner(
      int pruneAfterLayer,
      KeepBudget budget,
      int visualTokens,
      SuperpixelSegmenter segmenter,
      Allocation allocation,
      double temperature,
      int minPerRegion,
      AltpOptions options,
      Positions positions) {
    super(pruneAfterLayer);
    this.budget = Objects.requireNonNull(budget, "budget is null");
    this.visualTokens = visualTokens;
    this.segmenter = Objects.requireNonNull(segmenter, "segmenter is null");
    this.allocation = Objects.requireNonNull(allocation, "allocation is null");
    this.temperature = temperature;
    this.minPerRegion = minPerRegion;
    this.options = Objects.requireNonNull(options, "options is null");
    this.positions = Objects.requireNonNull(positions, "positions is null");
  }

  @Override
  public Positions positions() {
    return positions;
  }

  @Override
  public PrunePlan plan() {
    return planKeeping(budget.keepCount(visualTokens));
  }

  @Override
  public KeepSet prune(PruningView view) {
    // SLIC is the long part: it gives up when the request is cancelled
    Segmentation segmentation =
        segmenter.segment(view.image(), view.gridHeight(), view.gridWidth(), view::cancelled);
    AltpSelection selection = select(view, segmentation);
    lastSelection = selection;
    return selection.keepSet();
  }

  /** The superpixels this pruner uses for {@code image} (DDC, Eq. 2). */
  public Segmentation segment(ImageRgb image, int gridHeight, int gridWidth) {
    return segmenter.segment(image, gridHeight, gridWidth);
  }

  /** The last {@link #prune} call's decision, region by region. */
  public Optional<AltpSelection> lastSelection() {
    return Optional.ofNullable(lastSelection);
  }

  /**
   * Allocates the budget over the regions of {@code segmentation} (DDF, Eqs. 3-4) and keeps the top
   * tokens by attention inside each region.
   */
  public AltpSelection select(PruningView view, Segmentation segmentation) {
    int[] live = view.liveVisualTokens();
    float[] scores = view.attentionToVisual();
    if (scores.length != live.length) {
      throw new IllegalArgumentException(
          "expected one attention score per live token, got "
              + scores.length
              + " for "
              + live.length);
    }
    if (segmentation.gridHeight() != view.gridHeight()
        || segmentation.gridWidth() != view.gridWidth()) {
      throw new IllegalArgumentException("segmentation grid does not match the view's grid");
    }

    // live tokens of each region; regions without any are dropped
    int[] liveCount = new int[segmentation.regionCount()];
    for (int token : live) {
      liveCount[segmentation.regionOfToken(token)]++;
    }
    int[] regionOfIndex = new int[segmentation.regionCount()];
    Arrays.fill(regionOfIndex, -1);
    int regions = 0;
    for (int region = 0; region < liveCount.length; region++) {
      if (liveCount[region] > 0) {
        regionOfIndex[region] = regions++;
      }
    }
    int[] regionIds = new int[regions];
    int[] sizes = new int[regions];
    for (int region = 0; region < liveCount.length; region++) {
      if (regionOfIndex[region] >= 0) {
        regionIds[regionOfIndex[region]] = region;
        sizes[regionOfIndex[region]] = liveCount[region];
      }
    }

    double[] allDensity =
        RegionDensity.measure(view.image(), segmentation).density(options.sqrtArea());
    double[] density = new double[regions];
    for (int i = 0; i < regions; i++) {
      density[i] = allDensity[regionIds[i]];
    }
    double[] weights =
        allocation == Allocation.DENSITY
            ? densityWeights(density, temperature, options.minMaxNormalise())
            : sizeWeights(sizes);

    int keep = budget.keepCount(live.length);
    int[] budgets = budgets(weights, sizes, keep);
    int kept = 0;
    for (int count : budgets) {
      kept += count;
    }
    int[] keptTokens =
        topPerRegion(live, scores, segmentation, regionOfIndex, sizes, budgets, kept);
    return new AltpSelection(
        segmentation, regionIds, sizes, density, weights, budgets, KeepSet.ofUnsorted(keptTokens));
  }

  /**
   * Tokens per region: with {@code caps=redistribute} capped at the region's live tokens, the
   * surplus handed to the others, summing to {@code keep}; with {@code caps=none} the rounded
   * {@code w_i·K} (no upper bound while allocating), then at most the region's live tokens, the
   * surplus unspent.
   */
  private int[] budgets(double[] weights, int[] sizes, int keep) {
    int[] lower = lowerBounds(sizes, keep);
    if (options.capRedistribute()) {
      return TokenAllocator.allocate(weights, lower, sizes, keep);
    }
    int[] unbounded = new int[sizes.length];
    Arrays.fill(unbounded, keep);
    int[] budgets = TokenAllocator.allocate(weights, lower, unbounded, keep);
    for (int i = 0; i < budgets.length; i++) {
      budgets[i] = Math.min(budgets[i], sizes[i]);
    }
    return budgets;
  }

  /**
   * {@code min(min_per_region, |T_i|)} per region when the budget covers them all, else none: a
   * budget that cannot give every region its minimum falls back to pure proportional shares.
   */
  private int[] lowerBounds(int[] sizes, int keep) {
    int[] lower = new int[sizes.length];
    long minimumSum = 0;
    for (int i = 0; i < sizes.length; i++) {
      lower[i] = Math.min(minPerRegion, sizes[i]);
      minimumSum += lower[i];
    }
    if (minimumSum > keep) {
      Arrays.fill(lower, 0);
    }
    return lower;
  }

  /** The top {@code budgets[i]} live tokens by attention inside each region, concatenated. */
  private static int[] topPerRegion(
      int[] live,
      float[] scores,
      Segmentation segmentation,
      int[] regionOfIndex,
      int[] sizes,
      int[] budgets,
      int keep) {
    int regions = sizes.length;
    int[][] members = new int[regions][];
    float[][] memberScores = new float[regions][];
    int[] filled = new int[regions];
    for (int i = 0; i < regions; i++) {
      members[i] = new int[sizes[i]];
      memberScores[i] = new float[sizes[i]];
    }
    for (int t = 0; t < live.length; t++) {
      int i = regionOfIndex[segmentation.regionOfToken(live[t])];
      members[i][filled[i]] = live[t];
      memberScores[i][filled[i]] = scores[t];
      filled[i]++;
    }
    int[] kept = new int[keep];
    int next = 0;
    for (int i = 0; i < regions; i++) {
      int[] top = AttentionRanking.topTokens(members[i], memberScores[i], budgets[i]);
      System.arraycopy(top, 0, kept, next, top.length);
      next += top.length;
    }
    return kept;
  }

  /** {@link #densityWeights(double[], double, boolean)} with min-max normalisation. */
  static double[] densityWeights(double[] density, double temperature) {
    return densityWeights(density, temperature, true);
  }

  /**
   * {@code w_i = softmax(D̂_i / τ)} with {@code D̂} the min-max normalised density when {@code
   * normalise}, else the raw density; when every region has the same density the weights are equal.
   */
  static double[] densityWeights(double[] density, double temperature, boolean normalise) {
    if (!normalise) {
      double max = Double.NEGATIVE_INFINITY;
      for (double value : density) {
        max = Math.max(max, value);
      }
      double[] weights = new double[density.length];
      double sum = 0;
      for (int i = 0; i < density.length; i++) {
        weights[i] = Math.exp((density[i] - max) / temperature);
        sum += weights[i];
      }
      for (int i = 0; i < weights.length; i++) {
        weights[i] = Math.max(weights[i] / sum, Double.MIN_NORMAL);
      }
      return weights;
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double value : density) {
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    double range = max - min;
    double[] weights = new double[density.length];
    double sum = 0;
    for (int i = 0; i < density.length; i++) {
      double normalised = range > 1e-12 ? (density[i] - min) / range : 1.0;
      // subtract the largest exponent (1/τ) so exp never overflows at small τ
      weights[i] = Math.exp((normalised - 1.0) / temperature);
      sum += weights[i];
    }
    for (int i = 0; i < weights.length; i++) {
      weights[i] = Math.max(weights[i] / sum, Double.MIN_NORMAL);
    }
    return weights;
  }

  /** DDC alone: weights proportional to each region's live token count. */
  static double[] sizeWeights(int[] sizes) {
    double total = 0;
    for (int size : sizes) {
      total += size;
    }
    double[] weights = new double[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      weights[i] = sizes[i] / total;
    }
    return weights;
  }
}
