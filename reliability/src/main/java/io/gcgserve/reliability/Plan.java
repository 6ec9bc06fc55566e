package io.gcgserve.reliability;

import java.util.List;

/**
 * The sizes of every scenario; {@link #full} is the command's default, the test uses tiny ones.
 *
 * @param maxBatch {@code --max-batch} of every server the suite starts
 * @param queueCapacity {@code --queue-capacity} of every server the suite starts
 * @param overloadWaves bursts of {@code overloadFactor} x capacity requests
 * @param overloadFactor how many times the server's capacity (max batch + queue) a burst sends
 * @param cancelStreams streams cancelled at random points
 * @param afterCancel normal requests that must all succeed after the storm
 * @param sigtermStreams streams in flight when SIGTERM arrives
 * @param slowReaderRequests requests of the other clients, with and without the slow reader
 * @param slowPauseMillis the slow reader's pause before it asks for the next message
 * @param soakRequests requests of the soak
 * @param securityAttempts refused connections or calls of each kind
 * @param maxNewTokens tokens per caption
 * @param images synthetic scenes cycled through
 * @param seed the seed of every random choice
 * @param warmUp whether the servers run their warm-up before SERVING (both plans do: without it the
 *     first requests pay for JIT and PyTorch graph optimisation, which made the quick test 3x
 *     slower)
 * @param serverArgs further {@code gcg-serve} flags for every server the suite starts (e.g. {@code
 *     --prefill-lane off}); none of them is one the suite sets itself
 */
record Plan(
    int maxBatch,
    int queueCapacity,
    int overloadWaves,
    int overloadFactor,
    int cancelStreams,
    int afterCancel,
    int sigtermStreams,
    int slowReaderRequests,
    long slowPauseMillis,
    int soakRequests,
    int securityAttempts,
    int maxNewTokens,
    int images,
    long seed,
    boolean warmUp,
    List<String> serverArgs) {

  Plan {
    serverArgs = List.copyOf(serverArgs);
  }

  /** The command's defaults (the sizes). */
  static Plan full(int soakRequests, long seed, List<String> serverArgs) {
    return new Plan(
        8, 8, 3, 10, 100, 100, 8, 24, 250, soakRequests, 20, 32, 8, seed, true, serverArgs);
  }

  /** A few requests per scenario: the suite's code runs end to end in well under a minute. */
  static Plan tiny(long seed) {
    return new Plan(2, 2, 1, 10, 4, 4, 2, 2, 250, 8, 1, 8, 2, seed, true, List.of());
  }
}
