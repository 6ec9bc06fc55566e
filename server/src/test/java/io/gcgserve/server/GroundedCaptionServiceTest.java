package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.gcgserve.client.ProtoMasks;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.FinishReason;
import io.gcgserve.proto.v1.AltpParams;
import io.gcgserve.proto.v1.Budget;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.FastVParams;
import io.gcgserve.proto.v1.GenerationOptions;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.GroundedPhrase;
import io.gcgserve.proto.v1.ListPrunersRequest;
import io.gcgserve.proto.v1.ListPrunersResponse;
import io.gcgserve.proto.v1.MaskFormat;
import io.gcgserve.proto.v1.PrunerDescription;
import io.gcgserve.proto.v1.PrunerSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GroundedCaptionServiceTest {

  private TestServer server;
  private GroundedCaptionGrpc.GroundedCaptionBlockingStub stub;

  @BeforeEach
  void start() throws Exception {
    server = TestServer.started();
    stub =
        GroundedCaptionGrpc.newBlockingStub(server.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private static CaptionRequest.Builder request() {
    return CaptionRequest.newBuilder().setImage(TestImages.pngBytes(40, 30));
  }

  private List<CaptionEvent> captionAll(CaptionRequest request) {
    List<CaptionEvent> events = new ArrayList<>();
    stub.caption(request).forEachRemaining(events::add);
    return events;
  }

  private Status failure(CaptionRequest request) {
    StatusRuntimeException thrown =
        (StatusRuntimeException)
            org.assertj.core.api.Assertions.catchThrowable(() -> captionAll(request));
    assertThat(thrown).as("the call should fail").isNotNull();
    return thrown.getStatus();
  }

  @Test
  void streamsStartedThenDeltasWithPhrasesThenFinished() {
    List<CaptionEvent> events = captionAll(request().build());

    assertThat(events.get(0).hasStarted()).isTrue();
    assertThat(events.get(0).getStarted().getPruner()).isEqualTo("none");
    assertThat(events.get(0).getStarted().getArm()).isEqualTo("none");
    assertThat(events.get(0).getStarted().getVisualTokensKept()).isEqualTo(16);
    assertThat(events.get(events.size() - 1).hasFinished()).isTrue();
    StringBuilder caption = new StringBuilder();
    List<GroundedPhrase> phrases = new ArrayList<>();
    for (CaptionEvent event : events) {
      if (event.hasTextDelta()) {
        caption.append(event.getTextDelta().getText());
      }
      if (event.hasGroundedPhrase()) {
        GroundedPhrase phrase = event.getGroundedPhrase();
        // each phrase arrives right after the [SEG] that closes it
        assertThat(caption.toString()).endsWith("[SEG]");
        assertThat(caption.substring(phrase.getCharStart(), phrase.getCharEnd()))
            .isEqualTo(phrase.getPhrase());
        phrases.add(phrase);
      }
    }
    assertThat(caption.toString()).isEqualTo(String.join("", ScriptedCaptioner.TOKENS));
    assertThat(phrases)
        .extracting(GroundedPhrase::getPhrase)
        .containsExactly("red star", "blue square");
    GroundedPhrase first = phrases.get(0);
    assertThat(first.getMask().getSizeList()).containsExactly(30, 40);
    BinaryMask pixels = ProtoMasks.decode(first.getMask());
    assertThat(pixels.get(5, 10)).isTrue();
    assertThat(pixels.get(25, 10)).isFalse();
    assertThat(first.getMask().getBboxList()).containsExactly(0, 7, 20, 15);
    assertThat(first.getMask().hasPng()).isFalse();
    assertThat(events.get(events.size() - 1).getFinished().getGeneratedTokens())
        .isEqualTo(ScriptedCaptioner.TOKENS.size());
    assertThat(server.requests("none", "OK")).isEqualTo(1);
  }

  @Test
  void attachesPngMasksWhenAsked() throws Exception {
    List<CaptionEvent> events =
        captionAll(request().setMaskFormat(MaskFormat.MASK_FORMAT_PNG).build());
    GroundedPhrase phrase =
        events.stream()
            .filter(CaptionEvent::hasGroundedPhrase)
            .findFirst()
            .orElseThrow()
            .getGroundedPhrase();
    BufferedImage png =
        javax.imageio.ImageIO.read(
            new java.io.ByteArrayInputStream(phrase.getMask().getPng().toByteArray()));
    assertThat(png.getWidth()).isEqualTo(40);
    assertThat(png.getRaster().getSample(5, 10, 0)).isEqualTo(255);
    assertThat(png.getRaster().getSample(25, 10, 0)).isEqualTo(0);
  }

  @Test
  void stopsAtMaxNewTokens() {
    List<CaptionEvent> events =
        captionAll(
            request().setGeneration(GenerationOptions.newBuilder().setMaxNewTokens(3)).build());
    assertThat(events.stream().filter(CaptionEvent::hasTextDelta)).hasSize(3);
    assertThat(events.get(events.size() - 1).getFinished().getFinishReason())
        .isEqualTo(io.gcgserve.proto.v1.FinishReason.FINISH_REASON_MAX_TOKENS);
  }

  @Test
  void rejectsGarbageBytes() {
    int warm = server.captioner.generations();
    Status status =
        failure(request().setImage(ByteString.copyFromUtf8("definitely not an image")).build());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("neither PNG nor JPEG");
    assertThat(server.captioner.generations()).isEqualTo(warm); // no generation for it
  }

  @Test
  void rejectsEmptyImage() {
    Status status = failure(request().setImage(ByteString.EMPTY).build());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("image is empty");
  }

  @Test
  void rejectsTruncatedPngWithoutEchoingTheDecoder() {
    byte[] png = TestImages.png(64, 64);
    byte[] truncated = Arrays.copyOf(png, png.length / 2);
    Status status = failure(request().setImage(ByteString.copyFrom(truncated)).build());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription())
        .isEqualTo(
            "image could not be decoded: the PNG data is corrupt or truncated (64x64, 8-bit RGB)");
    assertThat(server.requests("none", "INVALID_ARGUMENT")).isEqualTo(1);
  }

  @Test
  void rejectsPngDeclaringHugeCanvasBeforeDecoding() {
    byte[] bomb = TestImages.pngDeclaring(65535, 65535);
    assertThat(bomb.length).isLessThan(64);
    Status status = failure(request().setImage(ByteString.copyFrom(bomb)).build());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription())
        .isEqualTo("image is 65535x65535 pixels; the limit is 4096x4096 (--max-image-size)");
  }

  @Test
  void rejectsGifAndBmp() {
    Status gif =
        failure(
            request()
                .setImage(
                    ByteString.copyFrom(
                        TestImages.encoded(8, 8, BufferedImage.TYPE_BYTE_INDEXED, "gif")))
                .build());
    Status bmp =
        failure(
            request()
                .setImage(
                    ByteString.copyFrom(
                        TestImages.encoded(8, 8, BufferedImage.TYPE_INT_RGB, "bmp")))
                .build());
    assertThat(gif.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(gif.getDescription())
        .isEqualTo("image format GIF is not supported; send PNG or JPEG");
    assertThat(bmp.getDescription())
        .isEqualTo("image format BMP is not supported; send PNG or JPEG");
  }

  @Test
  void acceptsJpeg() {
    List<CaptionEvent> events =
        captionAll(
            request()
                .setImage(
                    ByteString.copyFrom(
                        TestImages.encoded(48, 32, BufferedImage.TYPE_INT_RGB, "jpeg")))
                .build());
    assertThat(events.get(events.size() - 1).hasFinished()).isTrue();
    assertThat(server.captioner.lastImage().width()).isEqualTo(48);
  }

  @Test
  void unknownPrunerListsKnownNames() {
    Status status = failure(request().setPruner(PrunerSpec.newBuilder().setName("nope")).build());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription())
        .isEqualTo("unknown pruner 'nope'; known pruners: altp, fastv, grid, none, pdrop");
    assertThat(server.requests("unknown", "INVALID_ARGUMENT")).isEqualTo(1);
  }

  @Test
  void badParameterNamesWhatIsAllowed() {
    Status outOfRange =
        failure(
            request()
                .setPruner(PrunerSpec.newBuilder().setName("grid").putParams("stride", "0"))
                .build());
    Status unknownName =
        failure(
            request()
                .setPruner(PrunerSpec.newBuilder().setName("none").putParams("keep_ratio", "0.5"))
                .build());
    assertThat(outOfRange.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(outOfRange.getDescription())
        .isEqualTo(
            "pruner 'grid': parameter 'stride' = '0' is invalid; expected an integer in [1, 64]");
    assertThat(unknownName.getDescription())
        .isEqualTo("pruner 'none' has no parameter 'keep_ratio'; it takes no parameters");
  }

  @Test
  void typedParametersMustMatchThePrunerName() {
    Status status =
        failure(
            request()
                .setPruner(
                    PrunerSpec.newBuilder()
                        .setName("grid")
                        .setAltp(AltpParams.newBuilder().setKeepRatio(0.5)))
                .build());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("belong to pruner 'altp'");
  }

  @Test
  void rejectsMaxNewTokensOutOfRange() {
    // the limit defaults to the model's ceiling: context 512 - 16 visual - 5 prompt tokens
    List<CaptionEvent> atCeiling =
        captionAll(
            request().setGeneration(GenerationOptions.newBuilder().setMaxNewTokens(491)).build());
    assertThat(atCeiling.get(atCeiling.size() - 1).hasFinished()).isTrue();
    for (int tokens : new int[] {-1, 492, 100_000}) {
      Status status =
          failure(
              request()
                  .setGeneration(GenerationOptions.newBuilder().setMaxNewTokens(tokens))
                  .build());
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription())
          .isEqualTo("max_new_tokens must be in [1, 491] (0 = server default 64), got " + tokens);
    }
  }

  @Test
  void rejectsSamplingOptionsOutOfRange() {
    Status temperature =
        failure(request().setGeneration(GenerationOptions.newBuilder().setTemperature(-1)).build());
    Status topP =
        failure(request().setGeneration(GenerationOptions.newBuilder().setTopP(1.5)).build());
    assertThat(temperature.getDescription()).startsWith("temperature must be in [0, 10.0]");
    assertThat(topP.getDescription()).startsWith("top_p must be in (0, 1]");
  }

  @Test
  void anEmptyBudgetIsTheSameAsNone() {
    List<CaptionEvent> events =
        captionAll(request().setBudget(Budget.getDefaultInstance()).build());
    assertThat(events.get(0).getStarted().hasBudget()).isFalse();
    assertThat(events.get(0).getStarted().getPruner()).isEqualTo("none");
  }

  @Test
  void gridPluginIsUsableByName() {
    List<CaptionEvent> events =
        captionAll(
            request()
                .setPruner(
                    PrunerSpec.newBuilder()
                        .setName("grid")
                        .putParams("stride", "2")
                        .putParams("k", "2"))
                .build());
    assertThat(events.get(0).getStarted().getPruner()).isEqualTo("grid");
    assertThat(events.get(0).getStarted().getVisualTokensTotal()).isEqualTo(16);
    assertThat(events.get(0).getStarted().getVisualTokensKept()).isEqualTo(4);
    assertThat(events.get(0).getStarted().getVisualTokensPerLayerList())
        .containsExactly(16, 16, 4, 4);
    assertThat(server.requests("grid", "OK")).isEqualTo(1);
  }

  @Test
  void typedFastVParametersReachTheBuiltInFactory() {
    List<CaptionEvent> events =
        captionAll(
            request()
                .setPruner(
                    PrunerSpec.newBuilder()
                        .setName("fastv")
                        .setFastv(FastVParams.newBuilder().setK(2).setKeepTokens(4)))
                .build());
    assertThat(events.get(0).getStarted().getPruner()).isEqualTo("fastv");
    assertThat(events.get(0).getStarted().getVisualTokensPerLayerList())
        .containsExactly(16, 16, 4, 4);
  }

  @Test
  void builtInParameterErrorsComeFromTheFactory() {
    Status status =
        failure(
            request()
                .setPruner(
                    PrunerSpec.newBuilder()
                        .setName("fastv")
                        .setFastv(FastVParams.newBuilder().setKeepRatio(1.5)))
                .build());
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("'keep_ratio'").contains("1.5");
  }

  @Test
  void listPrunersDescribesBuiltInsAndPlugins() {
    ListPrunersResponse response = stub.listPruners(ListPrunersRequest.getDefaultInstance());
    assertThat(response.getPrunersList())
        .extracting(PrunerDescription::getName)
        .containsExactly("altp", "fastv", "grid", "none", "pdrop");
    assertThat(response.getPrunersList())
        .extracting(PrunerDescription::getBuiltIn)
        .containsExactly(true, true, false, true, true);
    PrunerDescription grid = response.getPruners(2);
    assertThat(grid.getParametersList())
        .anySatisfy(
            parameter -> {
              assertThat(parameter.getName()).isEqualTo("stride");
              assertThat(parameter.getType()).isEqualTo("INT");
              assertThat(parameter.getMin()).isEqualTo(1.0);
              assertThat(parameter.getMax()).isEqualTo(64.0);
              assertThat(parameter.getAllowed()).isEqualTo("an integer in [1, 64]");
            });
    // keep_ratio refuses 0: the advertised range says so, in the text and in min_exclusive
    PrunerDescription fastv = response.getPruners(1);
    assertThat(fastv.getParametersList())
        .anySatisfy(
            parameter -> {
              assertThat(parameter.getName()).isEqualTo("keep_ratio");
              assertThat(parameter.getMin()).isEqualTo(0.0);
              assertThat(parameter.getMinExclusive()).isTrue();
              assertThat(parameter.getAllowed()).isEqualTo("a number in (0.0, 1.0]");
            });
  }

  @Test
  void deadlineExceededMidStreamStopsGenerationAndFreesTheWorker() throws Exception {
    server.captioner.armGate();
    Iterator<CaptionEvent> events =
        GroundedCaptionGrpc.newBlockingStub(server.channel)
            .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
            .caption(request().build());
    assertThat(events.next().hasStarted()).isTrue();
    assertThat(events.next().getTextDelta().getIndex()).isEqualTo(0);
    assertThatThrownBy(events::next)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

    assertThat(server.captioner.awaitReturned()).isEqualTo(FinishReason.CANCELLED);
    server.captioner.release();
    // one worker: this request can only run once the cancelled one has left it
    assertThat(captionAll(request().build()).get(0).hasStarted()).isTrue();
    assertThat(server.metrics().inFlight()).isZero();
    assertThat(server.metrics().queued()).isZero();
    assertThat(server.requests("none", "DEADLINE_EXCEEDED")).isEqualTo(1);
  }

  @Test
  void clientCancelMidStreamStopsGenerationAndFreesTheWorker() throws Exception {
    server.captioner.armGate();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    GroundedCaptionGrpc.newStub(server.channel)
        .caption(
            request().build(),
            new ClientResponseObserver<CaptionRequest, CaptionEvent>() {
              private ClientCallStreamObserver<CaptionRequest> call;

              @Override
              public void beforeStart(ClientCallStreamObserver<CaptionRequest> requestStream) {
                call = requestStream;
              }

              @Override
              public void onNext(CaptionEvent event) {
                if (event.hasTextDelta()) {
                  call.cancel("user closed the tab", null);
                }
              }

              @Override
              public void onError(Throwable failure) {
                closed.complete(Status.fromThrowable(failure));
              }

              @Override
              public void onCompleted() {
                closed.complete(Status.OK);
              }
            });
    assertThat(closed.get(30, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);

    assertThat(server.captioner.awaitReturned()).isEqualTo(FinishReason.CANCELLED);
    server.captioner.release();
    assertThat(captionAll(request().build()).get(0).hasStarted()).isTrue();
    assertThat(server.metrics().inFlight()).isZero();
    assertThat(server.metrics().queued()).isZero();
    assertThat(server.requests("none", "CANCELLED")).isEqualTo(1);
    assertThat(server.requests("none", "OK")).isEqualTo(1);
    // the cancelled request's time from cancel to release was recorded, once
    java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
    io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.create()
        .write(text, server.registry().scrape());
    assertThat(text.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("gcg_cancellation_release_seconds_count 1");
  }
}
