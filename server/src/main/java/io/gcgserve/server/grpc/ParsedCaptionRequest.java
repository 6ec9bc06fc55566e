package io.gcgserve.server.grpc;

import io.gcgserve.proto.v1.CaptionRequest;
import org.jspecify.annotations.Nullable;

/**
 * What {@link CaptionRequestParser} made of a Caption message: the request, or, for bytes that are
 * not a valid {@code CaptionRequest}, the client-facing description of what is wrong.
 *
 * @param request the parsed request, null when malformed
 * @param problem what is wrong with the bytes, null when parsed
 */
public record ParsedCaptionRequest(@Nullable CaptionRequest request, @Nullable String problem) {

  /** Exactly one of the two is set. */
  public ParsedCaptionRequest {
    if ((request == null) == (problem == null)) {
      throw new IllegalArgumentException("exactly one of request and problem must be set");
    }
  }

  /** A request that parsed. */
  public static ParsedCaptionRequest of(CaptionRequest request) {
    return new ParsedCaptionRequest(request, null);
  }

  /** Bytes that are not a valid request, with what is wrong. */
  public static ParsedCaptionRequest malformed(String problem) {
    return new ParsedCaptionRequest(null, problem);
  }
}
