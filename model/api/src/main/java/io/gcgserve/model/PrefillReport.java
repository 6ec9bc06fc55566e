package io.gcgserve.model;

/**
 * What prefill did.
 *
 * @param promptTokens text tokens in the prompt (excluding visual tokens)
 * @param visualTokens visual tokens before pruning
 * @param visualTokensPerLayer visual tokens that each LLM layer processed, one entry per layer
 * @param flopsRatio Eq. 5 FLOPs of this schedule over the unpruned one, in (0, 1]
 * @param prefillMillis wall time of vision encoding + LLM prefill: the time the request's prefill
 *     pieces ran, not the waits before or between them (a scheduler interleaving requests makes
 *     those)
 * @param prunerMillis wall time spent inside the pruner's {@code prune} calls
 */
public record PrefillReport(
    int promptTokens,
    int visualTokens,
    int[] visualTokensPerLayer,
    double flopsRatio,
    double prefillMillis,
    double prunerMillis) {

  /** Visual tokens that reach the last layer (and the KV cache used for decoding). */
  public int visualTokensKept() {
    return visualTokensPerLayer[visualTokensPerLayer.length - 1];
  }
}
