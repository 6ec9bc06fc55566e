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

  /** Why. */
  public Reason reason() {
    return reason;
  }
}
