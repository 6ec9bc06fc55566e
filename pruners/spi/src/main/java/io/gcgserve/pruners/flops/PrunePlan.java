package io.gcgserve.pruners.flops;

import java.util.Arrays;

/**
 * What a pruner will do, known before the prefill: after which layers it prunes and how many visual
 * tokens survive each step. Lets FLOPs be predicted for a budget without running the model.
 *
 * @param pruneAfterLayers zero-based layers, strictly increasing
 * @param visualTokensKept visual tokens left after each of those layers, index-aligned
 */
public record PrunePlan(int[] pruneAfterLayers, int[] visualTokensKept) {

  /** Validates alignment and copies the arrays. */
  public PrunePlan {
    pruneAfterLayers = pruneAfterLayers.clone();
    visualTokensKept = visualTokensKept.clone();
    if (pruneAfterLayers.length != visualTokensKept.length) {
      throw new IllegalArgumentException(
          "one keep count per pruning layer expected, got "
              + visualTokensKept.length
              + " counts for "
              + pruneAfterLayers.length
              + " layers");
    }
    for (int i = 1; i < pruneAfterLayers.length; i++) {
      if (pruneAfterLayers[i] <= pruneAfterLayers[i - 1]) {
        throw new IllegalArgumentException(
            "pruning layers must be strictly increasing, got " + Arrays.toString(pruneAfterLayers));
      }
    }
  }

  /** The plan of a pruner that never prunes. */
  public static PrunePlan none() {
    return new PrunePlan(new int[0], new int[0]);
  }

  @Override
  public int[] pruneAfterLayers() {
    return pruneAfterLayers.clone();
  }

  @Override
  public int[] visualTokensKept() {
    return visualTokensKept.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PrunePlan that
        && Arrays.equals(pruneAfterLayers, that.pruneAfterLayers)
        && Arrays.equals(visualTokensKept, that.visualTokensKept);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(pruneAfterLayers) + Arrays.hashCode(visualTokensKept);
  }

  @Override
  public String toString() {
    return "PrunePlan[after="
        + Arrays.toString(pruneAfterLayers)
        + ", kept="
        + Arrays.toString(visualTokensKept)
        + "]";
  }
}
