package io.gcgserve.client;

import io.gcgserve.proto.v1.Finished;
import io.gcgserve.proto.v1.GroundedPhrase;
import io.gcgserve.proto.v1.Started;
import io.gcgserve.proto.v1.TextDelta;
import io.grpc.Status;

/**
 * Receives one caption's events on a gRPC callback thread, in stream order. Exactly one of {@link
 * #onFinished} or {@link #onError} ends the stream. Implementations should return quickly.
 */
public interface CaptionListener {

  /** Prefill is done: which pruner ran and what it kept. */
  default void onStarted(Started started) {}

  /** A token's text was appended to the caption. */
  default void onTextDelta(TextDelta delta) {}

  /** A grounded phrase and its mask. */
  default void onGroundedPhrase(GroundedPhrase phrase) {}

  /** Generation finished normally. */
  default void onFinished(Finished finished) {}

  /** The call failed or was cancelled; {@code status} carries the server's description. */
  default void onError(Status status) {}
}
