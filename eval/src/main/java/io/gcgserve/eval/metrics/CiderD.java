package io.gcgserve.eval.metrics;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CIDEr-D as pycocoevalcap computes the "CIDEr" that GLaMM reports: n-grams n = 1..4; tf-idf
 * vectors with document frequencies from the reference corpus (one document per image, idf {@code
 * log(images) - log(max(1, df))}); per n the candidate's tf-idf is clipped by the reference's
 * ({@code min(c, r) * r}), divided by both norms and multiplied by the Gaussian length penalty
 * {@code exp(-delta^2 / (2 * 6^2))}, where the lengths are counted as pycocoevalcap does (number of
 * bigrams); the mean over n, averaged over an image's references, times 10; the corpus score is the
 * mean over images.
 */
public final class CiderD {

  private static final int MAX_N = 4;
  private static final double SIGMA = 6.0;

  private CiderD() {}

  /**
   * Corpus CIDEr-D (pycocoevalcap's scale, where 1.0 is good; papers print it times 100).
   *
   * @param candidates one tokenised candidate per image
   * @param references the tokenised references of each image, at least one per image
   */
  public static double score(List<List<String>> candidates, List<List<List<String>>> references) {
    double[] scores = imageScores(candidates, references);
    if (scores.length == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (double score : scores) {
      sum += score;
    }
    return sum / scores.length;
  }

  /** Per-image CIDEr-D with document frequencies over all given references. */
  public static double[] imageScores(
      List<List<String>> candidates, List<List<List<String>>> references) {
    if (candidates.size() != references.size()) {
      throw new IllegalArgumentException("one reference set per candidate is required");
    }
    Map<List<String>, Integer> documentFrequency = new HashMap<>();
    List<List<Map<List<String>, Integer>>> referenceCounts = new java.util.ArrayList<>();
    for (List<List<String>> imageReferences : references) {
      Set<List<String>> seen = new HashSet<>();
      List<Map<List<String>, Integer>> counts = new java.util.ArrayList<>();
      for (List<String> reference : imageReferences) {
        Map<List<String>, Integer> ngrams = ngrams(reference);
        counts.add(ngrams);
        seen.addAll(ngrams.keySet());
      }
      referenceCounts.add(counts);
      for (List<String> ngram : seen) {
        documentFrequency.merge(ngram, 1, Integer::sum);
      }
    }
    double logImages = Math.log(references.size());
    double[] scores = new double[candidates.size()];
    for (int i = 0; i < candidates.size(); i++) {
      Vector candidate = vector(ngrams(candidates.get(i)), documentFrequency, logImages);
      double total = 0;
      for (Map<List<String>, Integer> reference : referenceCounts.get(i)) {
        Vector vector = vector(reference, documentFrequency, logImages);
        total += similarity(candidate, vector);
      }
      int referencesOfImage = referenceCounts.get(i).size();
      scores[i] = referencesOfImage == 0 ? 0 : total / referencesOfImage * 10.0;
    }
    return scores;
  }

  private record Vector(List<Map<List<String>, Double>> weights, double[] norms, int length) {}

  private static Map<List<String>, Integer> ngrams(List<String> words) {
    Map<List<String>, Integer> counts = new HashMap<>();
    for (int n = 1; n <= MAX_N; n++) {
      for (int i = 0; i + n <= words.size(); i++) {
        counts.merge(List.copyOf(words.subList(i, i + n)), 1, Integer::sum);
      }
    }
    return counts;
  }

  private static Vector vector(
      Map<List<String>, Integer> counts,
      Map<List<String>, Integer> documentFrequency,
      double logImages) {
    List<Map<List<String>, Double>> weights = new java.util.ArrayList<>();
    for (int n = 0; n < MAX_N; n++) {
      weights.add(new HashMap<>());
    }
    double[] norms = new double[MAX_N];
    int length = 0;
    for (Map.Entry<List<String>, Integer> entry : counts.entrySet()) {
      int n = entry.getKey().size() - 1;
      double df = Math.log(Math.max(1.0, documentFrequency.getOrDefault(entry.getKey(), 0)));
      double weight = entry.getValue() * (logImages - df);
      weights.get(n).put(entry.getKey(), weight);
      norms[n] += weight * weight;
      if (n == 1) {
        length += entry.getValue(); // pycocoevalcap counts bigrams as the length
      }
    }
    for (int n = 0; n < MAX_N; n++) {
      norms[n] = Math.sqrt(norms[n]);
    }
    return new Vector(weights, norms, length);
  }

  private static double similarity(Vector candidate, Vector reference) {
    double delta = candidate.length() - reference.length();
    double sum = 0;
    for (int n = 0; n < MAX_N; n++) {
      double value = 0;
      for (Map.Entry<List<String>, Double> entry : candidate.weights().get(n).entrySet()) {
        double referenceWeight = reference.weights().get(n).getOrDefault(entry.getKey(), 0.0);
        value += Math.min(entry.getValue(), referenceWeight) * referenceWeight;
      }
      if (candidate.norms()[n] != 0 && reference.norms()[n] != 0) {
        value /= candidate.norms()[n] * reference.norms()[n];
      }
      value *= Math.exp(-(delta * delta) / (2 * SIGMA * SIGMA));
      sum += value;
    }
    return sum / MAX_N;
  }
}
