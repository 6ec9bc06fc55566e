package io.gcgserve.pruners.flops;

import io.gcgserve.pruners.ModelGeometry;
import java.util.Objects;

/**
 * Theoretical FLOPs of the LLM under a pruning schedule, after the paper's Eq. 5 (FastV's
 * estimate). One layer with {@code n} tokens, hidden size {@code d} and FFN size {@code m} costs
 * {@code 4nd² + 2n²d + 2ndm}; a schedule that runs {@code n_l} tokens through layer {@code l} costs
 * {@code Σ_l f(n_l)} against {@code T·f(n)} unpruned.
 *
 * <p>What {@code n} counts is the caller's choice and changes the figure: the model passes the
 * whole sequence (text + visual tokens), which is what the hardware really runs. {@code
 * pruners/README.md} works DESIGN.md's check and the paper's Table 1 both ways; {@code FlopsTest}
 * pins them.
 */
public final class Flops {

  private Flops() {}

  /** FLOPs of one decoder layer over {@code tokens} tokens: {@code 4nd² + 2n²d + 2ndm}. */
  public static double layerFlops(double tokens, double hiddenSize, double intermediateSize) {
    return 4 * tokens * hiddenSize * hiddenSize
        + 2 * tokens * tokens * hiddenSize
        + 2 * tokens * hiddenSize * intermediateSize;
  }

  /**
   * Eq. 5: the schedule's FLOPs over the unpruned model's, in (0, 1] when no layer runs more tokens
   * than the unpruned one.
   *
   * @param tokensPerLayer tokens each layer processed, one entry per layer (T entries)
   * @param unprunedTokensPerLayer tokens every layer would process without pruning
   */
  public static double ratio(
      int[] tokensPerLayer, int unprunedTokensPerLayer, int hiddenSize, int intermediateSize) {
    Objects.requireNonNull(tokensPerLayer, "tokensPerLayer is null");
    if (tokensPerLayer.length == 0) {
      throw new IllegalArgumentException("need at least one layer");
    }
    if (unprunedTokensPerLayer <= 0) {
      throw new IllegalArgumentException(
          "unpruned tokens per layer must be positive, got " + unprunedTokensPerLayer);
    }
    double pruned = 0;
    for (int tokens : tokensPerLayer) {
      pruned += layerFlops(tokens, hiddenSize, intermediateSize);
    }
    return pruned
        / (tokensPerLayer.length
            * layerFlops(unprunedTokensPerLayer, hiddenSize, intermediateSize));
  }

  /**
   * Visual tokens each layer will process under {@code plan}: all of them up to and including the
   * first pruning layer, then the plan's counts.
   */
  public static int[] visualTokensPerLayer(PrunePlan plan, int layers, int visualTokens) {
    int[] perLayer = new int[layers];
    int current = visualTokens;
    int next = 0;
    int[] after = plan.pruneAfterLayers();
    int[] kept = plan.visualTokensKept();
    for (int layer = 0; layer < layers; layer++) {
      perLayer[layer] = current;
      if (next < after.length && after[next] == layer) {
        current = Math.min(current, kept[next]);
        next++;
      }
    }
    return perLayer;
  }

  /**
   * Predicts a request's Eq. 5 ratio before running it, from the pruner's plan and the prompt's
   * text token count; useful to choose a plan that meets a FLOPs budget. Text tokens are counted in
   * every layer, as the model does when it reports the ratio.
   */
  public static double predictRatio(PrunePlan plan, int textTokens, ModelGeometry geometry) {
    Objects.requireNonNull(plan, "plan is null");
    Objects.requireNonNull(geometry, "geometry is null");
    if (textTokens < 0) {
      throw new IllegalArgumentException("text tokens must be >= 0, got " + textTokens);
    }
    int[] visual = visualTokensPerLayer(plan, geometry.layers(), geometry.visualTokens());
    int[] total = new int[visual.length];
    for (int layer = 0; layer < visual.length; layer++) {
      total[layer] = visual[layer] + textTokens;
    }
    return ratio(
        total,
        geometry.visualTokens() + textTokens,
        geometry.hiddenSize(),
        geometry.intermediateSize());
  }
}
