package io.gcgserve.pruners;

/**
 * A pruner name or parameter was rejected. The message is written for the client: it names the
 * parameter, the bad value and what is allowed, and the server sends it as {@code
 * INVALID_ARGUMENT}.
 */
public final class InvalidPrunerParameterException extends IllegalArgumentException {

  /** Creates the exception with a client-facing message. */
  public InvalidPrunerParameterException(String message) {
    super(message);
  }
}
