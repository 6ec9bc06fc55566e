package io.gcgserve.engine;

/**
 * The engine's counters and gauges at one moment.
 *
 * @param running requests in the batch now (prefilling or decoding)
 * @param waiting admitted requests waiting for a place in the batch
 * @param reservedBytes bytes the running requests reserve together
 * @param decodeSteps batched decode steps run so far
 * @param decodeRows sessions stepped so far, summed over steps (over {@code decodeSteps}: the mean
 *     batch size)
 * @param decodeTokens tokens the decode steps chose so far
 * @param prefillPieces prefill pieces run so far
 */
public record EngineStats(
    int running,
    int waiting,
    long reservedBytes,
    long decodeSteps,
    long decodeRows,
    long decodeTokens,
    long prefillPieces) {}
