package io.gcgserve.server;

import static io.gcgserve.server.config.TransportSettings.AUTH_TOKENS;
import static io.gcgserve.server.config.TransportSettings.METRICS_AUTH_TOKENS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.ProvisionException;
import io.gcgserve.model.StepwiseCaptioner;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.ListPrunersRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer tokens on the gRPC services (health stays open) and on /metrics. */
class BearerAuthTest {

  private static final String TOKEN = "first-token-0123456789abcdef";
  private static final String OTHER = "second-token-0123456789abcdef";

  @TempDir Path dir;

  private Path tokens(String... lines) throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  private static GroundedCaptionGrpc.GroundedCaptionBlockingStub stub(
      TestServer server, @Nullable String authorization) {
    GroundedCaptionGrpc.GroundedCaptionBlockingStub stub =
        GroundedCaptionGrpc.newBlockingStub(server.channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    if (authorization == null) {
      return stub;
    }
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static Status listPruners(TestServer server, @Nullable String authorization) {
    try {
      stub(server, authorization).listPruners(ListPrunersRequest.getDefaultInstance());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  private static double refused(TestServer server, String reason) {
    return Tls.counter(server.registry(), "gcg_auth_refused", "endpoint", "grpc", "reason", reason);
  }

  @Test
  void callsNeedAKnownTokenAndRefusalsAreCountedWithoutEchoingTheToken() throws Exception {
    try (TestServer server =
        TestServer.started(TestServer.config().set(AUTH_TOKENS, tokens("# ops", TOKEN)))) {
      Status missing = listPruners(server, null);
      assertThat(missing.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(missing.getDescription()).contains("authorization: Bearer <token>");
      Status malformed = listPruners(server, "Basic dXNlcjpwYXNz");
      assertThat(malformed.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(malformed.getDescription()).contains("'Bearer <token>'");
      Status unknown = listPruners(server, "Bearer " + OTHER);
      assertThat(unknown.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(unknown.getDescription()).doesNotContain(OTHER).contains("--auth-tokens");
      assertThat(listPruners(server, "Bearer " + TOKEN).getCode()).isEqualTo(Status.Code.OK);
      assertThat(listPruners(server, "bearer " + TOKEN).getCode()).isEqualTo(Status.Code.OK);

      assertThat(refused(server, "missing")).isEqualTo(1);
      assertThat(refused(server, "malformed")).isEqualTo(1);
      assertThat(refused(server, "unknown")).isEqualTo(1);
    }
  }

  @Test
  void aRefusedCaptionIsCountedAsUnauthenticatedAndARightTokenCaptions() throws Exception {
    try (TestServer server =
        TestServer.started(TestServer.config().set(AUTH_TOKENS, tokens(TOKEN)))) {
      CaptionRequest request =
          CaptionRequest.newBuilder().setImage(TestImages.pngBytes(8, 8)).build();
      assertThatThrownBy(() -> stub(server, null).caption(request).hasNext())
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      assertThat(server.requests("unknown", "UNAUTHENTICATED")).isEqualTo(1);

      Iterator<CaptionEvent> events = stub(server, "Bearer " + TOKEN).caption(request);
      CaptionEvent last = events.next();
      while (events.hasNext()) {
        last = events.next();
      }
      assertThat(last.hasFinished()).isTrue();
    }
  }

  @Test
  void healthAnswersWithoutATokenAndReflectionNeedsOne() throws Exception {
    try (TestServer server =
        TestServer.started(TestServer.config().set(AUTH_TOKENS, tokens(TOKEN)))) {
      assertThat(
              HealthGrpc.newBlockingStub(server.channel)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.getDefaultInstance())
                  .getStatus())
          .isEqualTo(ServingStatus.SERVING);

      CompletableFuture<Status> reflection = new CompletableFuture<>();
      StreamObserver<ServerReflectionRequest> requests =
          ServerReflectionGrpc.newStub(server.channel)
              .serverReflectionInfo(
                  new StreamObserver<ServerReflectionResponse>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                      reflection.complete(Status.OK);
                    }

                    @Override
                    public void onError(Throwable failure) {
                      reflection.complete(Status.fromThrowable(failure));
                    }

                    @Override
                    public void onCompleted() {
                      reflection.complete(Status.OK);
                    }
                  });
      requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
      requests.onCompleted();
      assertThat(reflection.get(10, TimeUnit.SECONDS).getCode())
          .isEqualTo(Status.Code.UNAUTHENTICATED);
    }
  }

  @Test
  void aChangedTokenFileIsReloadedAndABadOneKeepsTheTokensInForce() throws Exception {
    Path file = tokens(TOKEN);
    try (TestServer server = TestServer.started(TestServer.config().set(AUTH_TOKENS, file))) {
      Files.writeString(file, OTHER + "\n");
      assertThat(server.server.reloadCredentials()).isEqualTo("auth_tokens applied");
      assertThat(listPruners(server, "Bearer " + TOKEN).getCode())
          .isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(listPruners(server, "Bearer " + OTHER).getCode()).isEqualTo(Status.Code.OK);

      Files.writeString(file, "short\n");
      assertThat(server.server.reloadCredentials()).isEqualTo("auth_tokens rejected");
      assertThat(listPruners(server, "Bearer " + OTHER).getCode()).isEqualTo(Status.Code.OK);
    }
  }

  @Test
  void aBadTokenFileStopsTheStartNamingTheLineNotTheToken() throws Exception {
    Path file = tokens("# comment", "has a space in it but long", TOKEN);
    assertThatThrownBy(
            () ->
                GcgServer.create(
                    TestServer.config().set(AUTH_TOKENS, file),
                    binder ->
                        binder.bind(StepwiseCaptioner.class).toInstance(new ScriptedCaptioner())))
        .isInstanceOf(ProvisionException.class)
        .hasMessageContaining("--auth-tokens: " + file + ":2: a token must be printable ASCII")
        .hasMessageNotContaining("has a space");
  }

  @Test
  void metricsNeedTheirOwnTokenWhenProtected() throws Exception {
    Tls.Running server =
        Tls.start(Tls.config().setMetricsPort(0).set(METRICS_AUTH_TOKENS, tokens(TOKEN)));
    try {
      int port = server.server().metricsPort();
      assertThat(scrape(port, null)).isEqualTo(401);
      assertThat(scrape(port, "Bearer " + OTHER)).isEqualTo(401);
      assertThat(scrape(port, "Bearer " + TOKEN)).isEqualTo(200);
      assertThat(
              Tls.counter(
                  server.registry(),
                  "gcg_auth_refused",
                  "endpoint",
                  "metrics",
                  "reason",
                  "missing"))
          .isEqualTo(1);
    } finally {
      Tls.stop(server);
    }
  }

  private static int scrape(int port, @Nullable String authorization) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(5))
        .build()
        .send(request.build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
