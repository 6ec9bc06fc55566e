package io.gcgserve.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;

/**
 * Gives every call a {@link CallMetadata} in its {@link Context}, and sends it: in the response
 * headers, or, for a call that ends before sending any (a rejected request), in the trailers.
 */
public final class CallMetadataInterceptor implements ServerInterceptor {

  /** Creates the interceptor. */
  public CallMetadataInterceptor() {}

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    CallMetadata metadata =
        new CallMetadata(
            CallMetadata.newRequestId(), remote == null ? "unknown" : remote.toString());
    ServerCall<Q, R> sending =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          private boolean headersSent;

          @Override
          public void sendHeaders(Metadata responseHeaders) {
            metadata.addTo(responseHeaders);
            headersSent = true;
            super.sendHeaders(responseHeaders);
          }

          @Override
          public void close(Status status, Metadata trailers) {
            if (!headersSent) {
              metadata.addTo(trailers);
            }
            super.close(status, trailers);
          }
        };
    Context context = Context.current().withValue(CallMetadata.KEY, metadata);
    return Contexts.interceptCall(context, sending, headers, next);
  }
}
