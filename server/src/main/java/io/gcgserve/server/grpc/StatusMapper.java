package io.gcgserve.server.grpc;

import io.gcgserve.model.InvalidRequestException;
import io.gcgserve.model.ModelLoadException;
import io.gcgserve.model.image.InvalidImageException;
import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.server.model.ModelNotReadyException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns an exception into a gRPC status. Exceptions whose messages are written
 * for clients keep them; anything else becomes {@code INTERNAL} with a fixed text, and its details
 * go to the server log only, so decoder, engine or stack-trace text never reaches a client.
 */
public final class StatusMapper {

  private static final Logger log = LoggerFactory.getLogger(StatusMapper.class);

  private StatusMapper() {}

  /** The status for {@code failure}; logs unexpected failures with their stack trace. */
  public static Status toStatus(Throwable failure) {
    if (failure instanceof RequestRejectedException rejected) {
      return Status.fromCode(rejected.code()).withDescription(rejected.getMessage());
    }
    if (failure instanceof InvalidImageException
        || failure instanceof InvalidPrunerParameterException
        || failure instanceof InvalidRequestException) {
      return Status.INVALID_ARGUMENT.withDescription(failure.getMessage());
    }
    if (failure instanceof ModelNotReadyException) {
      return Status.UNAVAILABLE.withDescription(failure.getMessage());
    }
    if (failure instanceof StatusRuntimeException statusRuntime) {
      return statusRuntime.getStatus();
    }
    if (failure instanceof StatusException status) {
      return status.getStatus();
    }
    if (failure instanceof ModelLoadException) {
      log.error("model failure while serving", failure);
      return Status.UNAVAILABLE.withDescription("the model is not available; see the server log");
    }
    if (failure instanceof OutOfMemoryError) {
      log.error("out of memory while serving a request", failure);
      return Status.RESOURCE_EXHAUSTED.withDescription(
          "the server ran out of memory for this request; retry later or send a smaller image");
    }
    log.error("unexpected failure while serving a request", failure);
    return Status.INTERNAL.withDescription("internal server error; the server log has details");
  }
}
