package io.gcgserve.server.model;

/** A request arrived before the model finished loading and warming up; sent as UNAVAILABLE. */
public final class ModelNotReadyException extends RuntimeException {

  /** Creates the exception with a client-facing message. */
  public ModelNotReadyException(String message) {
    super(message);
  }
}
