package io.gcgserve.engine;

/**
 * The engine's limits.
 *
 * @param maxBatch requests running at once (prefilling or decoding): the largest decode batch
 * @param queueCapacity admitted requests that may wait for a place in the batch; beyond them {@link
 *     Engine#submit} refuses at once
 * @param maxReservedBytes the most bytes that running requests may reserve together (each its KV
 *     cache at its largest plus its per-image arrays, {@link
 *     io.gcgserve.model.GenerationSession#reservedBytes}); a request waits until its reservation
 *     fits
 * @param prefillChunkTokens prefill work per engine iteration, in tokens processed (a layer over
 *     600 tokens costs 600); the engine runs prefill pieces, oldest request first, until this is
 *     spent (at least one piece) or a prefill ends, then decode steps
 * @param prefillLane whether prefills run on a thread of their own beside the decode steps ({@link
 *     Engine}), or on the engine thread between them
 */
public record EngineLimits(
    int maxBatch,
    int queueCapacity,
    long maxReservedBytes,
    int prefillChunkTokens,
    boolean prefillLane) {

  /** Checks every limit. */
  public EngineLimits {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
    }
    if (queueCapacity < 0) {
      throw new IllegalArgumentException("queueCapacity must be >= 0, got " + queueCapacity);
    }
    if (maxReservedBytes < 1) {
      throw new IllegalArgumentException(
          "maxReservedBytes must be positive, got " + maxReservedBytes);
    }
    if (prefillChunkTokens < 1) {
      throw new IllegalArgumentException(
          "prefillChunkTokens must be at least 1, got " + prefillChunkTokens);
    }
  }
}
