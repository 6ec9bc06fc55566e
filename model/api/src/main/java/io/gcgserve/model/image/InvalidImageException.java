package io.gcgserve.model.image;

/**
 * The request image was rejected. The message is written by this package for the client (what was
 * wrong, what is accepted) and never contains decoder exception text.
 */
public final class InvalidImageException extends RuntimeException {

  /** Creates the exception with a client-facing message. */
  public InvalidImageException(String message) {
    super(message);
  }
}
