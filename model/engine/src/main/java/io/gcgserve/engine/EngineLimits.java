package io.gcgserve.engine;

/**
 * The engine's limits.
 *
 * @param maxBatch the largest decode batch; also the requests running at once (prefilling or
 *     decoding), besides those {@code prefillAhead} lets in
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
 * @param prefillAhead with the prefill lane, requests beyond {@code maxBatch} that may join the
 *     batch while it is full, to be prefilled by the lane (their first token is handed out at once)
 *     and take a decode row when one frees; taken from the queue's share of {@code queueCapacity}
 */
public record EngineLimits(
    int maxBatch,
    int queueCapacity,
    long maxReservedBytes,
    int prefillChunkTokens,
    boolean prefillLane,
    int prefillAhead) {

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
    if (prefillAhead < 0) {
      throw new IllegalArgumentException("prefillAhead must be >= 0, got " + prefillAhead);
    }
  }

  /**
   * Requests that may be in the batch at once: {@code maxBatch}, plus {@code prefillAhead} with the
   * prefill lane (without it, prefill runs on the engine thread, whose time a full batch needs).
   */
  public int batchPlaces() {
    return maxBatch + (prefillLane ? prefillAhead : 0);
  }
}
