package io.gcgserve.server.security;

import static java.util.Objects.requireNonNull;

import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.server.metrics.RequestLabels;
import io.gcgserve.server.metrics.ServingMetrics;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * Lets a call through only with {@code authorization: Bearer <token>} naming a token of the {@code
 * --auth-tokens} file; refuses the others with {@code UNAUTHENTICATED} before the service sees
 * them, counted by reason (and, for Caption, in {@code gcg_requests_total}). The message says what
 * to send and never repeats what was sent.
 */
final class BearerAuthInterceptor implements ServerInterceptor {

  /** The {@code gcg_auth_refused_total} endpoint label of gRPC calls. */
  static final String ENDPOINT = "grpc";

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final String SCHEME = "Bearer ";

  private final TokenFile tokens;
  private final SecurityMetrics metrics;
  private final ServingMetrics serving;

  BearerAuthInterceptor(TokenFile tokens, SecurityMetrics metrics, ServingMetrics serving) {
    this.tokens = requireNonNull(tokens, "tokens is null");
    this.metrics = requireNonNull(metrics, "metrics is null");
    this.serving = requireNonNull(serving, "serving is null");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String reason = refusal(tokens, headers.get(AUTHORIZATION));
    if (reason == null) {
      return next.startCall(call, headers);
    }
    metrics.refused(ENDPOINT, reason);
    if (call.getMethodDescriptor()
        .getFullMethodName()
        .equals(GroundedCaptionGrpc.getCaptionMethod().getFullMethodName())) {
      serving.requestFinished(
          RequestLabels.of(ServingMetrics.UNKNOWN_PRUNER), Status.Code.UNAUTHENTICATED.name());
    }
    call.close(Status.UNAUTHENTICATED.withDescription(message(reason)), new Metadata());
    return new ServerCall.Listener<>() {};
  }

  /**
   * Why {@code authorization} is refused: {@code missing}, {@code malformed} or {@code unknown};
   * null when it names an accepted token.
   */
  static @Nullable String refusal(TokenFile tokens, @Nullable String authorization) {
    if (authorization == null) {
      return "missing";
    }
    if (!authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
        || authorization.length() == SCHEME.length()) {
      return "malformed";
    }
    return tokens.accepts(authorization.substring(SCHEME.length()).strip()) ? null : "unknown";
  }

  private static String message(String reason) {
    return switch (reason) {
      case "missing" ->
          "this server needs a bearer token: send the metadata 'authorization: Bearer <token>'"
              + " (gcg-caption --token-file FILE)";
      case "malformed" ->
          "the authorization metadata must be 'Bearer <token>' (scheme Bearer, one space, the"
              + " token)";
      default ->
          "the bearer token is not one this server accepts (ask for a token of its"
              + " --auth-tokens file)";
    };
  }
}
