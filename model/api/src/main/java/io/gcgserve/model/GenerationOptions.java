package io.gcgserve.model;

/**
 * Decoding options.
 *
 * @param maxNewTokens upper bound on generated tokens, at least 1
 * @param temperature 0 for greedy decoding, otherwise the softmax temperature
 * @param topP nucleus mass in (0, 1]; 1 disables nucleus filtering
 * @param seed seed for sampling, so that a sampled caption can be reproduced
 */
public record GenerationOptions(int maxNewTokens, double temperature, double topP, long seed) {

  /** Greedy decoding with the given token limit. */
  public static GenerationOptions greedy(int maxNewTokens) {
    return new GenerationOptions(maxNewTokens, 0.0, 1.0, 0L);
  }

  /** Validates ranges. */
  public GenerationOptions {
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("max_new_tokens must be at least 1, got " + maxNewTokens);
    }
    if (!(temperature >= 0.0) || !Double.isFinite(temperature)) {
      throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
    }
    if (!(topP > 0.0 && topP <= 1.0)) {
      throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
    }
  }
}
