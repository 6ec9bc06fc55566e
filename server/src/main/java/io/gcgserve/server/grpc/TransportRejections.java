package io.gcgserve.server.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Counts the calls grpc-java ends before any service answers them, in {@code
 * gcg_transport_rejections_total{reason}}: a message over {@code --max-message-bytes} ({@code
 * message_too_large}, sent as RESOURCE_EXHAUSTED), an unknown service or method ({@code
 * unknown_method}, UNIMPLEMENTED), and any other failure of a stream the application never closed
 * (the status code in lower case, e.g. {@code internal} for a message that cannot be decompressed).
 * A stream tracer sees every stream end; the interceptor marks the calls a service closed itself,
 * which {@code gcg_requests_total} already counts. Client cancels and deadlines are not rejections
 * and are not counted.
 */
@Singleton
public final class TransportRejections {

  private static final Context.Key<StreamOutcome> OUTCOME = Context.key("gcg-stream-outcome");

  private final Counter rejections;

  /** Registers the counter with {@code registry}. */
  @Inject
  public TransportRejections(PrometheusRegistry registry) {
    requireNonNull(registry, "registry is null");
    rejections =
        Counter.builder()
            .name("gcg_transport_rejections_total")
            .help(
                "Calls the gRPC transport ended before a service answered them, by reason:"
                    + " message_too_large, unknown_method, or another status code.")
            .labelNames("reason")
            .register(registry);
  }

  /** The tracer factory to add to the server builder. */
  public ServerStreamTracer.Factory tracerFactory() {
    return new ServerStreamTracer.Factory() {
      @Override
      public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new StreamOutcome();
      }
    };
  }

  /** The interceptor to add to the server builder (it marks calls the application closed). */
  public ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        StreamOutcome outcome = OUTCOME.get();
        if (outcome == null) {
          return next.startCall(call, headers);
        }
        return next.startCall(
            new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
              @Override
              public void close(Status status, Metadata trailers) {
                outcome.applicationClosed.set(true);
                super.close(status, trailers);
              }
            },
            headers);
      }
    };
  }

  /** The reason label of a stream the application never closed, or null when not counted. */
  static @Nullable String reason(Status.Code code) {
    return switch (code) {
      case OK, CANCELLED, DEADLINE_EXCEEDED -> null;
      case RESOURCE_EXHAUSTED -> "message_too_large";
      case UNIMPLEMENTED -> "unknown_method";
      default -> code.name().toLowerCase(Locale.ROOT);
    };
  }

  /** The count for {@code reason}, for tests and the reliability suite. */
  public double count(String reason) {
    return rejections.labelValues(reason).get();
  }

  private final class StreamOutcome extends ServerStreamTracer {
    final AtomicBoolean applicationClosed = new AtomicBoolean();

    @Override
    public Context filterContext(Context context) {
      return context.withValue(OUTCOME, this);
    }

    @Override
    public void streamClosed(Status status) {
      if (applicationClosed.get()) {
        return;
      }
      String reason = reason(status.getCode());
      if (reason != null) {
        rejections.labelValues(reason).inc();
      }
    }
  }
}
