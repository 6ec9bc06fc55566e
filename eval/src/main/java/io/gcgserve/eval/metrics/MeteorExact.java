package io.gcgserve.eval.metrics;

import java.util.List;

/**
 * METEOR with exact unigram matching only (no stemming, synonyms or paraphrases, which need WordNet
 * and the METEOR jar): the original formulation of Banerjee and Lavie (2005), {@code Fmean = P R /
 * (alpha P + (1 - alpha) R)} with alpha 0.9, times {@code 1 - gamma (chunks / matches)^beta} with
 * gamma 0.5 and beta 3. The alignment matches every word as often as it occurs in both captions
 * and, among such alignments, greedily prefers the one with the fewest chunks (each candidate word,
 * left to right, takes the free reference occurrence that starts the longest run of further
 * matches, then the one continuing the previous match, then the leftmost). Corpus METEOR is the
 * mean of the per-image scores (the METEOR jar instead pools statistics; documented deviation),
 * best reference per image.
 */
public final class MeteorExact {

  /** Weight of precision vs recall in Fmean (recall-heavy). */
  public static final double ALPHA = 0.9;

  /** Maximum fragmentation penalty. */
  public static final double GAMMA = 0.5;

  /** Exponent of the fragmentation penalty. */
  public static final double BETA = 3.0;

  private MeteorExact() {}

  /** Mean over images of the best score against each image's references. */
  public static double score(List<List<String>> candidates, List<List<List<String>>> references) {
    if (candidates.isEmpty()) {
      return Double.NaN;
    }
    double sum = 0;
    for (int i = 0; i < candidates.size(); i++) {
      double best = 0;
      for (List<String> reference : references.get(i)) {
        best = Math.max(best, sentence(candidates.get(i), reference));
      }
      sum += best;
    }
    return sum / candidates.size();
  }

  /** METEOR-exact of one candidate against one reference, in [0, 1). */
  public static double sentence(List<String> candidate, List<String> reference) {
    int[] alignment = align(candidate, reference);
    int matches = 0;
    int chunks = 0;
    int previous = -2;
    for (int i = 0; i < alignment.length; i++) {
      if (alignment[i] < 0) {
        previous = -2;
        continue;
      }
      matches++;
      if (i == 0 || alignment[i - 1] < 0 || alignment[i] != previous + 1) {
        chunks++;
      }
      previous = alignment[i];
    }
    if (matches == 0) {
      return 0.0;
    }
    double precision = (double) matches / candidate.size();
    double recall = (double) matches / reference.size();
    double fmean = precision * recall / (ALPHA * precision + (1 - ALPHA) * recall);
    double penalty = GAMMA * Math.pow((double) chunks / matches, BETA);
    return fmean * (1 - penalty);
  }

  /** For each candidate word, the reference position it is matched to, or -1. */
  static int[] align(List<String> candidate, List<String> reference) {
    int[] alignment = new int[candidate.size()];
    boolean[] used = new boolean[reference.size()];
    int previous = -2;
    for (int i = 0; i < candidate.size(); i++) {
      int best = -1;
      int bestRun = -1;
      for (int j = 0; j < reference.size(); j++) {
        if (used[j] || !reference.get(j).equals(candidate.get(i))) {
          continue;
        }
        int run = 1;
        while (i + run < candidate.size()
            && j + run < reference.size()
            && !used[j + run]
            && candidate.get(i + run).equals(reference.get(j + run))) {
          run++;
        }
        boolean better =
            run > bestRun || (run == bestRun && j == previous + 1 && best != previous + 1);
        if (better) {
          best = j;
          bestRun = run;
        }
      }
      alignment[i] = best;
      if (best >= 0) {
        used[best] = true;
      }
      previous = best >= 0 ? best : -2;
    }
    return alignment;
  }
}
