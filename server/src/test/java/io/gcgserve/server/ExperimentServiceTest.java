package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.gcgserve.proto.v1.Assignment;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.ListExperimentsRequest;
import io.gcgserve.proto.v1.ListExperimentsResponse;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.proto.v1.Started;
import io.gcgserve.server.config.ServerConfig;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests naming an experiment, through a server wired as in production. */
class ExperimentServiceTest {

  static final String EXPERIMENTS =
      """
      experiments:
        - name: ab
          salt: "test-salt"
          arms:
            - name: control
              weight: 1
              pruner: {name: none}
            - name: grid2
              weight: 1
              pruner: {name: grid, params: {stride: "2"}}
      """;

  static final Metadata.Key<String> ARM =
      Metadata.Key.of("gcg-arm", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> EXPERIMENT =
      Metadata.Key.of("gcg-experiment", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> REQUEST_ID =
      Metadata.Key.of("gcg-request-id", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir Path directory;
  private TestServer server;
  private final AtomicReference<Metadata> headers = new AtomicReference<>();
  private final AtomicReference<Metadata> trailers = new AtomicReference<>();

  private TestServer start(ServerConfig config) throws Exception {
    Path file = directory.resolve("experiments.yaml");
    Files.writeString(file, EXPERIMENTS);
    server = TestServer.started(config.setExperimentsFile(file).setExperimentsPollSeconds(0));
    return server;
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private GroundedCaptionGrpc.GroundedCaptionBlockingStub stub() {
    return GroundedCaptionGrpc.newBlockingStub(server.channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
  }

  static CaptionRequest.Builder request(String subjectKey) {
    return CaptionRequest.newBuilder()
        .setImage(TestImages.pngBytes(40, 30))
        .setExperiment("ab")
        .setSubjectKey(subjectKey);
  }

  private List<CaptionEvent> captionAll(CaptionRequest request) {
    List<CaptionEvent> events = new ArrayList<>();
    stub().caption(request).forEachRemaining(events::add);
    return events;
  }

  private Status failure(CaptionRequest request) {
    Throwable thrown = catchThrowable(() -> captionAll(request));
    assertThat(thrown).as("the call should fail").isInstanceOf(StatusRuntimeException.class);
    return ((StatusRuntimeException) thrown).getStatus();
  }

  @Test
  void aKeyedRequestGetsItsStickyArmInStartedAndInTheHeaders() throws Exception {
    start(TestServer.config());
    List<String> arms = new ArrayList<>();
    for (int key = 0; key < 12; key++) {
      Started started = captionAll(request("user-" + key).build()).get(0).getStarted();
      assertThat(started.getExperiment()).isEqualTo("ab");
      assertThat(started.getAssignment()).isEqualTo(Assignment.ASSIGNMENT_HASHED);
      assertThat(started.getPruner()).isEqualTo(started.getArm().equals("grid2") ? "grid" : "none");
      assertThat(headers.get().get(ARM)).isEqualTo(started.getArm());
      assertThat(headers.get().get(EXPERIMENT)).isEqualTo("ab");
      assertThat(headers.get().get(REQUEST_ID)).isEqualTo(started.getRequestId()).hasSize(24);
      // sticky: the same key again, the same arm
      assertThat(captionAll(request("user-" + key).build()).get(0).getStarted().getArm())
          .isEqualTo(started.getArm());
      arms.add(started.getArm());
    }
    assertThat(arms).contains("control", "grid2");
    assertThat(server.requests("grid", "OK") + server.requests("none", "OK")).isEqualTo(24);
  }

  @Test
  void noKeyMeansARandomArmAndTheReasonSaysSo() throws Exception {
    start(TestServer.config());
    Started started = captionAll(request("").build()).get(0).getStarted();
    assertThat(started.getAssignment()).isEqualTo(Assignment.ASSIGNMENT_RANDOM);
    assertThat(started.getArm()).isIn("control", "grid2");
  }

  @Test
  void experimentAndPrunerTogetherAreRefusedNamingWhichToDrop() throws Exception {
    start(TestServer.config());
    Status status =
        failure(request("u").setPruner(PrunerSpec.newBuilder().setName("fastv")).build());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription())
        .contains("both experiment 'ab' and pruner 'fastv'")
        .contains("drop pruner");
    // the id reaches a client whose call failed before any message, in the trailers
    assertThat(trailers.get().get(REQUEST_ID)).hasSize(24);
  }

  @Test
  void anUnknownExperimentIsNotFoundNamingThoseInForce() throws Exception {
    start(TestServer.config());
    Status status = failure(request("u").setExperiment("abc").build());
    assertThat(status.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(status.getDescription())
        .isEqualTo(
            "experiment 'abc' is not in force; experiments in force: ab (ListExperiments lists"
                + " them)");
    Status tooLong = failure(request("k".repeat(257)).build());
    assertThat(tooLong.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(tooLong.getDescription()).contains("subject_key is 257 characters");
  }

  @Test
  void listExperimentsDescribesTheSetInForce() throws Exception {
    start(TestServer.config());
    ListExperimentsResponse response =
        GroundedCaptionGrpc.newBlockingStub(server.channel)
            .listExperiments(ListExperimentsRequest.getDefaultInstance());
    assertThat(response.getConfigSha256()).hasSize(64);
    assertThat(response.getExperimentsList()).hasSize(1);
    var experiment = response.getExperiments(0);
    assertThat(experiment.getName()).isEqualTo("ab");
    assertThat(experiment.getSalt()).isEqualTo("test-salt");
    assertThat(experiment.getArmsList())
        .extracting(arm -> arm.getName() + ":" + arm.getPruner().getName() + ":" + arm.getShare())
        .containsExactly("control:none:0.5", "grid2:grid:0.5");
    assertThat(experiment.getArms(1).getPruner().getParamsMap()).containsEntry("stride", "2");
  }

  @Test
  void withoutAnExperimentTheHeadersCarryOnlyTheRequestId() throws Exception {
    start(TestServer.config());
    Started started = captionAll(request("").clearExperiment().build()).get(0).getStarted();
    assertThat(started.getArm()).isEqualTo("none");
    assertThat(started.getExperiment()).isEmpty();
    assertThat(headers.get().get(ARM)).isNull();
    assertThat(headers.get().get(REQUEST_ID)).isEqualTo(started.getRequestId());
  }

  @Test
  void theAccessLogHasOneLinePerRequestWhateverItsStatus() throws Exception {
    Path log = directory.resolve("access.jsonl");
    start(TestServer.config().setAccessLog(log).setAccessLogCaptions(true));
    Started ok = captionAll(request("user-7").build()).get(0).getStarted();
    failure(request("u").setPruner(PrunerSpec.newBuilder().setName("fastv")).build());
    failure(request("u").setExperiment("missing").build());
    failure(
        request("u").setImage(com.google.protobuf.ByteString.copyFromUtf8("not an image")).build());
    // a request cancelled mid-stream
    server.captioner.armGate();
    var stream =
        GroundedCaptionGrpc.newBlockingStub(server.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
    context.run(
        () -> {
          var events = stream.caption(request("user-8").build());
          assertThat(events.next().hasStarted()).isTrue();
          context.cancel(null);
        });
    server.captioner.awaitReturned();
    server.captioner.release();
    server.close();
    server = null;

    List<io.gcgserve.server.accesslog.AccessLogEntry> lines =
        Files.readAllLines(log).stream()
            .map(io.gcgserve.server.accesslog.AccessLogEntry::parse)
            .toList();
    assertThat(lines)
        .extracting(io.gcgserve.server.accesslog.AccessLogEntry::status)
        .containsExactly("OK", "INVALID_ARGUMENT", "NOT_FOUND", "INVALID_ARGUMENT", "CANCELLED");
    var first = lines.get(0);
    assertThat(first.requestId()).isEqualTo(ok.getRequestId());
    assertThat(first.experiment()).isEqualTo("ab");
    assertThat(first.arm()).isEqualTo(ok.getArm());
    assertThat(first.armShare()).isEqualTo(0.5);
    assertThat(first.assignment()).isEqualTo("hashed");
    assertThat(first.pruner()).isEqualTo(ok.getPruner());
    assertThat(first.imageSha256()).hasSize(64);
    assertThat(first.visualTokensKept()).isEqualTo(ok.getVisualTokensKept());
    assertThat(first.flopsRatio()).isEqualTo(ok.getFlopsRatio());
    assertThat(first.tokens()).isEqualTo(ScriptedCaptioner.TOKENS.size());
    assertThat(first.phrases()).isEqualTo(2);
    assertThat(first.caption()).isEqualTo(String.join("", ScriptedCaptioner.TOKENS));
    assertThat(first.masks())
        .extracting(m -> m.phrase())
        .containsExactly("red star", "blue square");
    assertThat(first.ttftMs()).isNotNull().isLessThanOrEqualTo(first.totalMs());
    assertThat(first.finishReason()).isNotNull();
    // refused before the pruner ran: no prefill fields, still timed and attributed
    var refused = lines.get(2);
    assertThat(refused.experiment()).isNull();
    assertThat(refused.pruner()).isEqualTo("unknown");
    assertThat(refused.visualTokensKept()).isNull();
    assertThat(refused.caption()).isNull();
    assertThat(lines.get(4).experiment()).isEqualTo("ab");
    assertThat(lines.get(4).finishReason()).isNull();
    assertThat(lines).extracting(l -> l.requestId()).doesNotHaveDuplicates();
  }
}
