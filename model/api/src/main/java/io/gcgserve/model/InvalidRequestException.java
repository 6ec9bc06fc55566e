package io.gcgserve.model;

/**
 * The request cannot be run as asked (e.g. the prompt plus {@code max_new_tokens} exceeds the
 * model's context). The message is written for the client: it says what was wrong and what is
 * allowed, and it never carries engine text. Servers answer it with {@code INVALID_ARGUMENT}; any
 * other exception from a model is a server fault.
 */
public final class InvalidRequestException extends RuntimeException {

  /** Creates the exception with a client-facing message. */
  public InvalidRequestException(String message) {
    super(message);
  }
}
