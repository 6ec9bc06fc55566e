package io.gcgserve.engine;

/**
 * The engine's counters and gauges at one moment.
 *
 * @param running requests in the batch now: prefilling, decoding, or prefilled ahead and waiting
 *     for a decode row; a request the prefill lane ended on its cancellation counts until the
 *     engine thread has collected it (after the decode step it may be running)
 * @param waiting admitted requests waiting for a place in the batch
 * @param admitted requests holding a place against the batch and queue limits: running, waiting, or
 *     between the two, or leaving (their sessions are being closed); never fewer than {@code
 *     running + waiting}, less the requests the lane ended that are not collected yet
 * @param arriving calls counted against those limits whose requests are not read yet ({@link
 *     Engine#arrive}); the engine refuses a call at once when {@code admitted + arriving} would
 *     pass them
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
    int admitted,
    int arriving,
    long reservedBytes,
    long decodeSteps,
    long decodeRows,
    long decodeTokens,
    long prefillPieces) {}
