package io.gcgserve.client.conformance;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import org.jspecify.annotations.Nullable;

/** Keeps the response headers of the latest call (the runner makes one call at a time). */
final class HeaderCapture implements ClientInterceptor {

  private volatile Metadata latest = new Metadata();

  /** The value of {@code key} in the latest call's response headers, or null. */
  @Nullable String get(String key) {
    return latest.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    latest = new Metadata();
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata requestHeaders) {
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onHeaders(Metadata headers) {
                latest = headers;
                super.onHeaders(headers);
              }
            },
            requestHeaders);
      }
    };
  }
}
