package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ServerLifecycleTest {

  @Test
  void healthIsNotServingUntilWarmThenServingThenNotServingOnDrain() throws Exception {
    try (TestServer server = TestServer.notWarm(TestServer.config())) {
      BlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
      HealthGrpc.newStub(server.channel)
          .watch(
              HealthCheckRequest.newBuilder().setService("gcg.v1.GroundedCaption").build(),
              new StreamObserver<HealthCheckResponse>() {
                @Override
                public void onNext(HealthCheckResponse response) {
                  statuses.add(response.getStatus());
                }

                @Override
                public void onError(Throwable failure) {}

                @Override
                public void onCompleted() {}
              });
      assertThat(statuses.poll(30, TimeUnit.SECONDS)).isEqualTo(ServingStatus.NOT_SERVING);

      // a caption before the model is warm is refused, not queued
      StatusRuntimeException early = null;
      try {
        GroundedCaptionGrpc.newBlockingStub(server.channel)
            .caption(CaptionRequest.newBuilder().setImage(TestImages.pngBytes(8, 8)).build())
            .next();
      } catch (StatusRuntimeException e) {
        early = e;
      }
      assertThat(early).isNotNull();
      assertThat(early.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);

      server.server.loadAndWarmUp();
      assertThat(statuses.poll(30, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);
      // the warm-up, then the budgets' calibration: one-token generations per pruner and keep
      assertThat(server.captioner.generations()).isGreaterThan(1);

      // drain while a caption is in flight: health flips first, the caption still completes
      server.captioner.armGate();
      Iterator<CaptionEvent> inFlight =
          GroundedCaptionGrpc.newBlockingStub(server.channel)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .caption(CaptionRequest.newBuilder().setImage(TestImages.pngBytes(8, 8)).build());
      assertThat(inFlight.next().hasStarted()).isTrue();
      server.captioner.awaitBlocked();
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      CompletableFuture<Void> stopped =
          CompletableFuture.runAsync(
              () -> {
                try {
                  server.server.stop(new PrintStream(log, true, StandardCharsets.UTF_8));
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      assertThat(statuses.poll(30, TimeUnit.SECONDS)).isEqualTo(ServingStatus.NOT_SERVING);
      server.captioner.release();
      List<CaptionEvent> rest = new ArrayList<>();
      inFlight.forEachRemaining(rest::add);
      assertThat(rest.get(rest.size() - 1).hasFinished()).isTrue();
      server.channel.shutdownNow(); // ends the health watch so the drain can finish
      stopped.get(30, TimeUnit.SECONDS);
      assertThat(log.toString(StandardCharsets.UTF_8))
          .contains("draining: health NOT_SERVING")
          .contains("stopped");
    }
  }

  @Test
  void reflectionListsTheService() throws Exception {
    try (TestServer server = TestServer.started()) {
      CompletableFuture<List<String>> services = new CompletableFuture<>();
      StreamObserver<ServerReflectionRequest> requests =
          ServerReflectionGrpc.newStub(server.channel)
              .serverReflectionInfo(
                  new StreamObserver<ServerReflectionResponse>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                      services.complete(
                          response.getListServicesResponse().getServiceList().stream()
                              .map(ServiceResponse::getName)
                              .toList());
                    }

                    @Override
                    public void onError(Throwable failure) {
                      services.completeExceptionally(failure);
                    }

                    @Override
                    public void onCompleted() {}
                  });
      requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
      requests.onCompleted();
      assertThat(services.get(30, TimeUnit.SECONDS))
          .contains("gcg.v1.GroundedCaption", "grpc.health.v1.Health");
    }
  }

  /** One sample line of the Prometheus text format 0.0.4. */
  private static final Pattern SAMPLE =
      Pattern.compile(
          "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})?"
              + " (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)( -?[0-9]+)?");

  private static final Pattern COMMENT =
      Pattern.compile(
          "# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))");

  @Test
  void metricsTextParsesAndNamesEveryServingMetric() throws Exception {
    try (TestServer server = TestServer.started()) {
      GroundedCaptionGrpc.newBlockingStub(server.channel)
          .caption(CaptionRequest.newBuilder().setImage(TestImages.pngBytes(8, 8)).build())
          .forEachRemaining(event -> {});
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PrometheusTextFormatWriter.create().write(out, server.registry().scrape());
      String text = out.toString(StandardCharsets.UTF_8);

      Set<String> typed = new HashSet<>();
      for (String line : text.split("\n")) {
        if (line.startsWith("#")) {
          assertThat(line).matches(COMMENT);
          if (line.startsWith("# TYPE ")) {
            typed.add(line.split(" ")[2]);
          }
        } else if (!line.isEmpty()) {
          assertThat(line).matches(SAMPLE);
        }
      }
      assertThat(typed)
          .contains(
              "gcg_requests_total",
              "gcg_time_to_first_token_seconds",
              "gcg_inter_token_latency_seconds",
              "gcg_request_duration_seconds",
              "gcg_queue_wait_seconds",
              "gcg_cancellation_release_seconds",
              "gcg_generated_tokens_total",
              "gcg_visual_tokens_kept",
              "gcg_flops_ratio",
              "gcg_pruner_overhead_seconds",
              "gcg_requests_in_flight",
              "gcg_requests_queued",
              "gcg_engine_phase_seconds_total",
              "gcg_engine_decode_steps_total",
              "gcg_engine_decode_rows_total",
              "gcg_engine_decode_tokens_total",
              "gcg_engine_prefill_pieces_total",
              "gcg_engine_running",
              "gcg_engine_waiting",
              "gcg_engine_reserved_bytes",
              "gcg_experiments_in_force",
              "jvm_memory_used_bytes");
      assertThat(text)
          .contains(
              "gcg_requests_total{arm=\"none\",experiment=\"none\",pruner=\"none\",status=\"OK\"} 1")
          .contains(
              "gcg_generated_tokens_total{arm=\"none\",experiment=\"none\",pruner=\"none\"} 10")
          // the first token comes from prefill, the other nine from decode steps; as many again
          // from the engine warm-up's one request (a batch of 1), which counts like any other
          .contains("gcg_engine_decode_tokens_total 18.0")
          .contains("gcg_engine_running 0.0")
          .contains(
              "gcg_time_to_first_token_seconds_bucket{arm=\"none\",experiment=\"none\",pruner=\"none\","
                  + "le=\"60.0\"} 1");
    }
  }
}
