package io.gcgserve.server;

import com.google.inject.Injector;
import io.gcgserve.model.StepwiseCaptioner;
import io.gcgserve.server.config.ServerConfig;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/** Helpers of the transport security tests: a Netty server, counters, the server's certificate. */
final class Tls {

  private Tls() {}

  /** A Netty server on loopback with a free port, no metrics port unless set, a scripted model. */
  static ServerConfig config() {
    return new ServerConfig()
        .setPort(0)
        .setMetricsPort(-1)
        .setBind("127.0.0.1")
        .setDrainGrace(Duration.ofSeconds(1))
        .setDrainDelay(Duration.ZERO);
  }

  /** A started Netty server and its metrics registry. */
  record Running(GcgServer server, PrometheusRegistry registry) {
    int port() {
      return server.port();
    }

    String transport() {
      return server.transport();
    }

    String reloadCredentials() {
      return server.reloadCredentials();
    }
  }

  /** Starts a Netty server (not warmed: health NOT_SERVING, ListPruners answers). */
  static Running start(ServerConfig config) throws Exception {
    Injector injector =
        GcgServer.injector(
            config,
            binder -> binder.bind(StepwiseCaptioner.class).toInstance(new ScriptedCaptioner()));
    GcgServer server = injector.getInstance(GcgServer.class);
    server.start();
    return new Running(server, injector.getInstance(PrometheusRegistry.class));
  }

  static void stop(Running running) throws InterruptedException {
    running
        .server()
        .stop(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  /** The value of counter {@code name} (without _total) where every label pair matches. */
  static double counter(PrometheusRegistry registry, String name, String... labelPairs) {
    return registry.scrape().stream()
        .filter(snapshot -> snapshot.getMetadata().getPrometheusName().equals(name))
        .flatMap(snapshot -> snapshot.getDataPoints().stream())
        .filter(
            point -> {
              for (int i = 0; i < labelPairs.length; i += 2) {
                if (!labelPairs[i + 1].equals(point.getLabels().get(labelPairs[i]))) {
                  return false;
                }
              }
              return true;
            })
        .mapToDouble(point -> ((CounterDataPointSnapshot) point).getValue())
        .sum();
  }

  /** Records the TLS session of the last call that got response headers. */
  static final class PeerCapture implements ClientInterceptor {
    private volatile @Nullable SSLSession session;

    /** The common name of the certificate the server presented on the last call. */
    String serverName() throws SSLPeerUnverifiedException {
      SSLSession last = session;
      if (last == null) {
        throw new IllegalStateException("no TLS call yet");
      }
      X509Certificate leaf = (X509Certificate) last.getPeerCertificates()[0];
      return leaf.getSubjectX500Principal().getName().replaceFirst("^CN=", "");
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          ClientCall<Q, R> call = this;
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onHeaders(Metadata responseHeaders) {
                  session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                  super.onHeaders(responseHeaders);
                }
              },
              headers);
        }
      };
    }
  }
}
