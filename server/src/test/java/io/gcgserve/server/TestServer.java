package io.gcgserve.server;

import com.google.inject.Injector;
import com.google.inject.Module;
import io.gcgserve.model.StepwiseCaptioner;
import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.experiment.ExperimentFileException;
import io.gcgserve.server.grpc.TransportRejections;
import io.gcgserve.server.metrics.ServingMetrics;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A server wired exactly as in production except for the model, which is a {@link
 * ScriptedCaptioner}, on the in-process transport under a generated name.
 */
final class TestServer implements AutoCloseable {

  final ScriptedCaptioner captioner = new ScriptedCaptioner();
  final Injector injector;
  final GcgServer server;
  final ManagedChannel channel;
  final ByteArrayOutputStream stopLog = new ByteArrayOutputStream();

  private TestServer(ServerConfig config, boolean warm, Module... overrides) throws IOException {
    this(config, warm, false, overrides);
  }

  private TestServer(ServerConfig config, boolean warm, boolean overTcp, Module... overrides)
      throws IOException {
    Module[] modules = Arrays.copyOf(overrides, overrides.length + 1);
    modules[overrides.length] =
        binder -> binder.bind(StepwiseCaptioner.class).toInstance(captioner);
    injector = GcgServer.injector(config, modules);
    server = injector.getInstance(GcgServer.class);
    if (overTcp) {
      server.start(
          NettyServerBuilder.forAddress(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
      channel =
          NettyChannelBuilder.forAddress(
                  InetAddress.getLoopbackAddress().getHostAddress(), server.port())
              .usePlaintext()
              .maxInboundMessageSize(64 << 20)
              .build();
    } else {
      String name = InProcessServerBuilder.generateName();
      server.start(InProcessServerBuilder.forName(name));
      channel = InProcessChannelBuilder.forName(name).build();
    }
    if (warm) {
      try {
        server.loadAndWarmUp();
      } catch (ExperimentFileException e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    }
  }

  /** Small limits: one worker, no metrics port, a short drain. */
  static ServerConfig config() {
    return new ServerConfig()
        .setPort(0)
        .setMetricsPort(-1)
        .setMaxBatch(1)
        .setQueueCapacity(2)
        .setDrainGrace(Duration.ofSeconds(5))
        .setDefaultMaxNewTokens(64);
  }

  static TestServer started() throws IOException {
    return new TestServer(config(), true);
  }

  static TestServer started(ServerConfig config) throws IOException {
    return new TestServer(config, true);
  }

  /** A warm server with {@code overrides} replacing production bindings besides the model. */
  static TestServer startedWith(Module... overrides) throws IOException {
    return new TestServer(config(), true, overrides);
  }

  /** A warm server on Netty over loopback TCP (the transport's own limits apply). */
  static TestServer overTcp(ServerConfig config) throws IOException {
    return new TestServer(config, true, true);
  }

  static TestServer notWarm(ServerConfig config) throws IOException {
    return new TestServer(config, false);
  }

  ServingMetrics metrics() {
    return injector.getInstance(ServingMetrics.class);
  }

  PrometheusRegistry registry() {
    return injector.getInstance(PrometheusRegistry.class);
  }

  /** The value of {@code gcg_requests_total} for one label set, 0 when absent. */
  double requests(String pruner, String status) {
    return registry().scrape().stream()
        .filter(snapshot -> snapshot.getMetadata().getPrometheusName().equals("gcg_requests"))
        .flatMap(snapshot -> snapshot.getDataPoints().stream())
        .filter(
            point ->
                pruner.equals(point.getLabels().get("pruner"))
                    && status.equals(point.getLabels().get("status")))
        .mapToDouble(
            point ->
                ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot)
                        point)
                    .getValue())
        .sum();
  }

  /** The value of {@code gcg_transport_rejections_total} for {@code reason}. */
  double transportRejections(String reason) {
    return injector.getInstance(TransportRejections.class).count(reason);
  }

  @Override
  public void close() throws InterruptedException {
    captioner.release();
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.stop(new PrintStream(stopLog, true, StandardCharsets.UTF_8));
  }
}
