package io.gcgserve.server.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Context;
import io.grpc.Metadata;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * What one call tells its client in metadata, and where it came from: its request id (the access
 * log's, sent as {@code gcg-request-id}), the peer, and, once an experiment chose the pruner,
 * {@code gcg-experiment} and {@code gcg-arm}. {@link CallMetadataInterceptor} creates one per call
 * and adds it to the response headers, or to the trailers of a call that fails before any message.
 */
final class CallMetadata {

  /** The request id header. */
  static final Metadata.Key<String> REQUEST_ID =
      Metadata.Key.of("gcg-request-id", Metadata.ASCII_STRING_MARSHALLER);

  /** The experiment header. */
  static final Metadata.Key<String> EXPERIMENT =
      Metadata.Key.of("gcg-experiment", Metadata.ASCII_STRING_MARSHALLER);

  /** The arm header. */
  static final Metadata.Key<String> ARM =
      Metadata.Key.of("gcg-arm", Metadata.ASCII_STRING_MARSHALLER);

  /** The current call's metadata, set by {@link CallMetadataInterceptor}. */
  static final Context.Key<CallMetadata> KEY = Context.key("gcg-call-metadata");

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int ID_BYTES = 12;

  private final String requestId;
  private final String peer;
  private volatile @Nullable String experiment;
  private volatile @Nullable String arm;

  CallMetadata(String requestId, String peer) {
    this.requestId = requireNonNull(requestId, "requestId is null");
    this.peer = requireNonNull(peer, "peer is null");
  }

  /** The current call's metadata; a fresh one where no interceptor ran (in-process unit use). */
  static CallMetadata current() {
    CallMetadata metadata = KEY.get();
    return metadata == null ? new CallMetadata(newRequestId(), "unknown") : metadata;
  }

  /** A new request id: 96 random bits as 24 lowercase hex digits. */
  static String newRequestId() {
    byte[] bytes = new byte[ID_BYTES];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  String requestId() {
    return requestId;
  }

  String peer() {
    return peer;
  }

  /** Records the experiment and arm that chose the pruner, sent with the headers. */
  void assigned(String experimentName, String armName) {
    this.experiment = experimentName;
    this.arm = armName;
  }

  /** Adds the request id, and the experiment and arm when assigned, to {@code metadata}. */
  void addTo(Metadata metadata) {
    metadata.put(REQUEST_ID, requestId);
    String assignedExperiment = experiment;
    String assignedArm = arm;
    if (assignedExperiment != null && assignedArm != null) {
      metadata.put(EXPERIMENT, assignedExperiment);
      metadata.put(ARM, assignedArm);
    }
  }
}
