package io.gcgserve.server.model;

/**
 * {@code --max-new-tokens-limit} or {@code --default-max-new-tokens} asks for more new tokens than
 * the loaded model's context leaves; the message names the flag, the ceiling and how it was
 * derived. The server refuses to start with it.
 */
public final class TokenLimitException extends RuntimeException {

  /** Creates the exception; {@code message} is printed to the operator as is. */
  public TokenLimitException(String message) {
    super(message);
  }
}
