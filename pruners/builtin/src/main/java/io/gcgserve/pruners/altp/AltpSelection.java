package io.gcgserve.pruners.altp;

import io.gcgserve.pruners.KeepSet;

/**
 * What one ALTP step decided, region by region; for the visualiser, the benchmark and tests. Arrays
 * are index-aligned over the regions that still had live tokens (regions with none are dropped).
 *
 * @param segmentation the superpixels
 * @param regions region ids (labels of {@code segmentation})
 * @param liveTokens live visual tokens per region, {@code |T_i|}
 * @param density {@code D_i} per region, before normalisation
 * @param weights allocation weights {@code w_i}, summing to 1
 * @param budgets tokens kept per region, {@code k_i}
 * @param keepSet the union of the per-region top-{@code k_i} tokens
 */
public record AltpSelection(
    Segmentation segmentation,
    int[] regions,
    int[] liveTokens,
    double[] density,
    double[] weights,
    int[] budgets,
    KeepSet keepSet) {

  /** Copies the arrays. */
  public AltpSelection {
    regions = regions.clone();
    liveTokens = liveTokens.clone();
    density = density.clone();
    weights = weights.clone();
    budgets = budgets.clone();
  }

  @Override
  public int[] regions() {
    return regions.clone();
  }

  @Override
  public int[] liveTokens() {
    return liveTokens.clone();
  }

  @Override
  public double[] density() {
    return density.clone();
  }

  @Override
  public double[] weights() {
    return weights.clone();
  }

  @Override
  public int[] budgets() {
    return budgets.clone();
  }

  /** Index into these arrays of region {@code regionId}, or -1 when it had no live tokens. */
  public int indexOfRegion(int regionId) {
    for (int i = 0; i < regions.length; i++) {
      if (regions[i] == regionId) {
        return i;
      }
    }
    return -1;
  }
}
