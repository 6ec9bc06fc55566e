package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.gcgserve.model.StepwiseCaptioner;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.server.config.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The SIGTERM drain sequence ({@link GcgServer#drain}) and {@code --bind}/{@code --metrics-bind}.
 */
class DrainAndBindTest {

  private static CaptionRequest request() {
    return CaptionRequest.newBuilder().setImage(TestImages.pngBytes(8, 8)).build();
  }

  private static ServingStatus health(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  private static CompletableFuture<Boolean> drainAsync(
      TestServer server, ByteArrayOutputStream log) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return server.server.drain(new PrintStream(log, true, StandardCharsets.UTF_8));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        });
  }

  @Test
  void drainTurnsHealthFirstKeepsAcceptingForTheDelayThenRefusesAndIsClean() throws Exception {
    try (TestServer server =
        TestServer.started(TestServer.config().setDrainDelay(Duration.ofSeconds(3)))) {
      assertThat(health(server.channel)).isEqualTo(ServingStatus.SERVING);
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      CompletableFuture<Boolean> drained = drainAsync(server, log);

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (health(server.channel) != ServingStatus.NOT_SERVING && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(health(server.channel)).isEqualTo(ServingStatus.NOT_SERVING);
      // within the delay a new call is still served to the end
      List<CaptionEvent> events = new ArrayList<>();
      GroundedCaptionGrpc.newBlockingStub(server.channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .caption(request())
          .forEachRemaining(events::add);
      assertThat(drained).isNotDone();
      assertThat(events.get(events.size() - 1).hasFinished()).isTrue();

      assertThat(drained.get(30, TimeUnit.SECONDS)).isTrue();
      assertThat(log.toString(StandardCharsets.UTF_8))
          .contains("health NOT_SERVING; still accepting calls for 3 s")
          .contains("gcg-serve: stopped")
          .doesNotContain("not clean");
      assertThatThrownBy(
              () ->
                  GroundedCaptionGrpc.newBlockingStub(server.channel)
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .caption(request())
                      .next())
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void drainThatMustCancelACallPastTheGraceIsNotClean() throws Exception {
    try (TestServer server =
        TestServer.started(
            TestServer.config().setDrainDelay(Duration.ZERO).setDrainGrace(Duration.ZERO))) {
      server.captioner.armGate();
      Iterator<CaptionEvent> inFlight =
          GroundedCaptionGrpc.newBlockingStub(server.channel)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .caption(request());
      assertThat(inFlight.next().hasStarted()).isTrue();
      server.captioner.awaitBlocked();
      ByteArrayOutputStream log = new ByteArrayOutputStream();

      assertThat(drainAsync(server, log).get(30, TimeUnit.SECONDS)).isFalse();
      assertThat(log.toString(StandardCharsets.UTF_8))
          .doesNotContain("still accepting")
          .contains("cancelling them")
          .contains("stopped (not clean)");
    }
  }

  @Test
  void bindPutsGrpcOnLoopbackAndMetricsBindPutsMetricsElsewhere() throws Exception {
    ServerConfig config =
        new ServerConfig()
            .setPort(0)
            .setMetricsPort(0)
            .setBind("127.0.0.1")
            .setMetricsBind("*")
            .setDrainGrace(Duration.ofSeconds(5));
    GcgServer server =
        GcgServer.create(
            config,
            binder -> binder.bind(StepwiseCaptioner.class).toInstance(new ScriptedCaptioner()));
    server.start();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      // answered over TCP on loopback (NOT_SERVING: the model is not loaded in this test)
      assertThat(health(channel)).isEqualTo(ServingStatus.NOT_SERVING);
      assertThat(metricsStatus("127.0.0.1", server.metricsPort())).isEqualTo(200);
      Optional<InetAddress> external = externalAddress();
      assumeThat(external).as("a non-loopback IPv4 address on this host").isPresent();
      // gRPC is not reachable from outside the host; /metrics (on *) is
      assertThat(connects(external.get(), server.port())).isFalse();
      assertThat(metricsStatus(external.get().getHostAddress(), server.metricsPort()))
          .isEqualTo(200);
    } finally {
      channel.shutdownNow();
      server.stop(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }
  }

  private static int metricsStatus(String host, int port) throws Exception {
    return HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(5))
        .build()
        .send(
            HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static boolean connects(InetAddress address, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static Optional<InetAddress> externalAddress() throws IOException {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
          return Optional.of(address);
        }
      }
    }
    return Optional.empty();
  }
}
