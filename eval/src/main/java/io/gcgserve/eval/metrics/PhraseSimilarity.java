package io.gcgserve.eval.metrics;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Similarity of two phrases in [0, 1], used by {@link GroundedRecall}. GLaMM uses the cosine of
 * mean BERT embeddings; we have no BERT, so the default is a lexical stand-in.
 */
@FunctionalInterface
public interface PhraseSimilarity {

  /** Similarity in [0, 1]; 1 for identical phrases. */
  double similarity(String first, String second);

  /**
   * Sørensen–Dice coefficient of the multisets of character bigrams of the lowercased words, each
   * word padded with a space on both sides (so {@code star} gives {@code " s", "st", "ta", "ar", "r
   * "}). Lenient to shared words in any order and to inflections ({@code star}/{@code stars}), like
   * an embedding similarity, but knows nothing of synonyms: {@code small red star} vs {@code small
   * blue star} scores 0.71, vs {@code big green ring} 0.
   */
  static PhraseSimilarity bigramDice() {
    return (first, second) -> {
      Map<String, Integer> a = bigrams(first);
      Map<String, Integer> b = bigrams(second);
      int sizeA = a.values().stream().mapToInt(Integer::intValue).sum();
      int sizeB = b.values().stream().mapToInt(Integer::intValue).sum();
      if (sizeA + sizeB == 0) {
        return 1.0;
      }
      int shared = 0;
      for (Map.Entry<String, Integer> entry : a.entrySet()) {
        shared += Math.min(entry.getValue(), b.getOrDefault(entry.getKey(), 0));
      }
      return 2.0 * shared / (sizeA + sizeB);
    };
  }

  private static Map<String, Integer> bigrams(String phrase) {
    Map<String, Integer> counts = new HashMap<>();
    for (String word : phrase.toLowerCase(Locale.ROOT).trim().split("\\s+")) {
      if (word.isEmpty()) {
        continue;
      }
      String padded = " " + word + " ";
      for (int i = 0; i + 2 <= padded.length(); i++) {
        counts.merge(padded.substring(i, i + 2), 1, Integer::sum);
      }
    }
    return counts;
  }
}
