package io.gcgserve.model;

/** A model directory could not be loaded; the message names the file and what is wrong. */
public final class ModelLoadException extends RuntimeException {

  /** Creates the exception. */
  public ModelLoadException(String message) {
    super(message);
  }

  /** Creates the exception with a cause. */
  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
