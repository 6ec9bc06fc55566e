package io.gcgserve.engine;

/** {@link Engine#submit} refused a request; the message says why and what to do. */
public final class RejectedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why a request was refused. */
  public enum Reason {
    /** The batch and the queue are full: retry later or elsewhere. */
    FULL,
    /** The request alone needs more memory than the engine may reserve for all requests. */
    TOO_LARGE,
    /** The engine is shutting down: retry elsewhere. */
    SHUTTING_DOWN
  }

  private final Reason reason;

  RejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  static RejectedException shuttingDown() {
    return new RejectedException(
        Reason.SHUTTING_DOWN, "the server is shutting down; retry on another instance");
  }

  static RejectedException tooLarge(long reserve, EngineLimits limits) {
    return new RejectedException(
        Reason.TOO_LARGE,
        "the request needs "
            + mebibytes(reserve)
            + " MiB of KV cache and image features but the server reserves at most "
            + mebibytes(limits.maxReservedBytes())
            + " MiB for all running requests (--max-kv-mib); lower max_new_tokens");
  }

  static RejectedException full(EngineLimits limits) {
    return new RejectedException(
        Reason.FULL,
        "server is at capacity: "
            + limits.maxBatch()
            + " request(s) running and "
            + limits.queueCapacity()
            + " waiting (--max-batch, --queue-capacity); retry later");
  }

  private static long mebibytes(long bytes) {
    return (bytes + (1 << 20) - 1) >> 20;
  }

  /** Why. */
  public Reason reason() {
    return reason;
  }
}
