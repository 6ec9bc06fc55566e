package io.gcgserve.server.grpc;

import io.gcgserve.engine.RejectedException;
import io.gcgserve.model.InvalidRequestException;
import io.gcgserve.model.ModelLoadException;
import io.gcgserve.model.image.InvalidImageException;
import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.server.budget.BudgetRejectedException;
import io.gcgserve.server.model.ModelNotReadyException;
import io.grpc.Status;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns an exception into a gRPC status. Only the typed client exceptions keep
 * their messages, because only they are written for clients; every other failure is sent with a
 * fixed text and an incident id, and logged at ERROR with that id and its stack trace, so no
 * decoder, engine or stack-trace text reaches a client while an operator can still find the cause
 * of what a client reports.
 */
public final class StatusMapper {

  /** Hex digits in an incident id: enough that two incidents in one log never share one. */
  static final int INCIDENT_ID_HEX_DIGITS = 12;

  private static final Logger log = LoggerFactory.getLogger(StatusMapper.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private StatusMapper() {}

  /** The status for {@code failure}; logs server faults with an incident id and stack trace. */
  public static Status toStatus(Throwable failure) {
    if (failure instanceof RejectedException rejected) {
      Status status =
          rejected.reason() == RejectedException.Reason.SHUTTING_DOWN
              ? Status.UNAVAILABLE
              : Status.RESOURCE_EXHAUSTED;
      return status.withDescription(rejected.getMessage());
    }
    if (failure instanceof BudgetRejectedException rejected) {
      return (rejected.resourceExhausted() ? Status.RESOURCE_EXHAUSTED : Status.INVALID_ARGUMENT)
          .withDescription(rejected.getMessage());
    }
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
    String incident = newIncidentId();
    if (failure instanceof ModelLoadException) {
      log.error("incident {}: the model failed while serving", incident, failure);
      return Status.UNAVAILABLE.withDescription(
          "the model is not available (incident " + incident + "); retry on another instance");
    }
    if (failure instanceof OutOfMemoryError) {
      log.error("incident {}: out of memory while serving a request", incident, failure);
      return Status.RESOURCE_EXHAUSTED.withDescription(
          "the server ran out of memory for this request (incident "
              + incident
              + "); retry later or send a smaller image");
    }
    log.error("incident {}: unexpected failure while serving a request", incident, failure);
    return Status.INTERNAL.withDescription(internalErrorDescription(incident));
  }

  /** The text an {@code INTERNAL} status carries: fixed but for the incident id. */
  static String internalErrorDescription(String incident) {
    return "internal server error (incident "
        + incident
        + "); the server log holds the details under this id";
  }

  /** A fresh random incident id of {@link #INCIDENT_ID_HEX_DIGITS} lowercase hex digits. */
  static String newIncidentId() {
    byte[] bytes = new byte[INCIDENT_ID_HEX_DIGITS / 2];
    RANDOM.nextBytes(bytes);
    return HEX.formatHex(bytes);
  }
}
