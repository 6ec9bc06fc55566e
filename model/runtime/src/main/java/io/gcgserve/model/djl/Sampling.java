package io.gcgserve.model.djl;

import io.gcgserve.model.GenerationOptions;
import java.util.Arrays;
import java.util.Random;

/** Temperature and nucleus (top-p) sampling over a logits vector, on the CPU. */
final class Sampling {

  private Sampling() {}

  /** The next token under {@code options}: the argmax at temperature 0, else {@link #sample}. */
  static int choose(float[] logits, GenerationOptions options, Random random) {
    if (options.temperature() == 0.0) {
      int best = 0;
      for (int i = 1; i < logits.length; i++) {
        if (logits[i] > logits[best]) {
          best = i;
        }
      }
      return best;
    }
    return sample(logits, options.temperature(), options.topP(), random);
  }

  /** Samples an index from softmax(logits / temperature) restricted to the top-p nucleus. */
  static int sample(float[] logits, double temperature, double topP, Random random) {
    int size = logits.length;
    double max = Double.NEGATIVE_INFINITY;
    for (float logit : logits) {
      max = Math.max(max, logit);
    }
    double[] probabilities = new double[size];
    double total = 0;
    for (int i = 0; i < size; i++) {
      probabilities[i] = Math.exp((logits[i] - max) / temperature);
      total += probabilities[i];
    }
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
      probabilities[i] /= total;
    }
    Arrays.sort(order, (a, b) -> Double.compare(probabilities[b], probabilities[a]));
    // smallest prefix of the sorted distribution whose mass reaches top_p
    double mass = 0;
    int nucleus = 0;
    while (nucleus < size && (nucleus == 0 || mass < topP)) {
      mass += probabilities[order[nucleus++]];
    }
    double draw = random.nextDouble() * mass;
    for (int i = 0; i < nucleus; i++) {
      draw -= probabilities[order[i]];
      if (draw <= 0) {
        return order[i];
      }
    }
    return order[nucleus - 1];
  }
}
