package io.gcgserve.server.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;

/**
 * A request the service refuses, with the status code and the client-facing description (what was
 * wrong, what is allowed). {@link StatusMapper} turns it into the call's status.
 */
public final class RequestRejectedException extends RuntimeException {

  private final Status.Code code;

  /** Creates the exception; {@code message} is sent to the client verbatim. */
  public RequestRejectedException(Status.Code code, String message) {
    super(message);
    this.code = requireNonNull(code, "code is null");
  }

  /** The status code to send. */
  public Status.Code code() {
    return code;
  }

  /** An {@code INVALID_ARGUMENT} rejection. */
  public static RequestRejectedException invalidArgument(String message) {
    return new RequestRejectedException(Status.Code.INVALID_ARGUMENT, message);
  }
}
