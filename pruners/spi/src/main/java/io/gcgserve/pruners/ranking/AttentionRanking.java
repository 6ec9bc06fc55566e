package io.gcgserve.pruners.ranking;

import java.util.Arrays;

/**
 * Top-k selection of visual tokens by attention score, deterministic under ties. Every built-in
 * pruner ranks this way so that equal scores (common on flat images and in tests) never make the
 * choice depend on sort stability: the lower original grid index wins a tie, and NaN ranks last.
 */
public final class AttentionRanking {

  private AttentionRanking() {}

  /**
   * The {@code count} highest-scoring tokens among {@code candidates}, as grid indices in
   * increasing order.
   *
   * @param candidates grid indices, duplicate-free
   * @param scores one score per candidate, index-aligned
   * @param count how many to keep; clamped to {@code [0, candidates.length]}
   */
  public static int[] topTokens(int[] candidates, float[] scores, int count) {
    if (candidates.length != scores.length) {
      throw new IllegalArgumentException(
          "expected one score per candidate, got "
              + scores.length
              + " scores for "
              + candidates.length
              + " candidates");
    }
    int keep = Math.max(0, Math.min(count, candidates.length));
    Integer[] order = new Integer[candidates.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) -> {
          float scoreA = Float.isNaN(scores[a]) ? Float.NEGATIVE_INFINITY : scores[a];
          float scoreB = Float.isNaN(scores[b]) ? Float.NEGATIVE_INFINITY : scores[b];
          int byScore = Float.compare(scoreB, scoreA);
          return byScore != 0 ? byScore : Integer.compare(candidates[a], candidates[b]);
        });
    int[] kept = new int[keep];
    for (int i = 0; i < keep; i++) {
      kept[i] = candidates[order[i]];
    }
    Arrays.sort(kept);
    return kept;
  }
}
