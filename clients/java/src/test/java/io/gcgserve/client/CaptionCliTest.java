package io.gcgserve.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.Finished;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.proto.v1.Started;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptionCliTest {

  /** A test server that records each request and answers with Started and Finished only. */
  private static final class RecordingService extends GroundedCaptionGrpc.GroundedCaptionImplBase {
    final List<CaptionRequest> requests = new CopyOnWriteArrayList<>();

    @Override
    public void caption(CaptionRequest request, StreamObserver<CaptionEvent> events) {
      requests.add(request);
      events.onNext(
          CaptionEvent.newBuilder()
              .setStarted(Started.newBuilder().setPruner(request.getPruner().getName()))
              .build());
      events.onNext(CaptionEvent.newBuilder().setFinished(Finished.getDefaultInstance()).build());
      events.onCompleted();
    }
  }

  @TempDir Path temp;
  private final RecordingService service = new RecordingService();
  private Server server;
  private Path image;

  @BeforeEach
  void startServer() throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("localhost", 0))
            .addService(service)
            .build()
            .start();
    image = Files.write(temp.resolve("image.png"), new byte[] {1, 2, 3});
  }

  @AfterEach
  void stopServer() {
    server.shutdownNow();
  }

  private int run(ByteArrayOutputStream err, String... flags) {
    String[] args = new String[flags.length + 5];
    args[0] = "--target";
    args[1] = "localhost:" + server.getPort();
    args[2] = "--image";
    args[3] = image.toString();
    args[4] = "--json";
    System.arraycopy(flags, 0, args, 5, flags.length);
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return CaptionCli.run(args, out, new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void keepRatioReachesPyramidDropAsItsTypedField() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(run(err, "--pruner", "pdrop", "--keep-ratio", "0.1"))
        .as(err.toString(StandardCharsets.UTF_8))
        .isZero();
    PrunerSpec sent = service.requests.get(0).getPruner();
    assertThat(sent.getName()).isEqualTo("pdrop");
    assertThat(sent.hasPdrop()).isTrue();
    assertThat(sent.getPdrop().getKeepRatio()).isEqualTo(0.1);
    assertThat(sent.getParamsMap()).isEmpty();
  }

  @Test
  void keepRatioIsTypedForEveryBuiltInAndTextualForPlugins() {
    assertThat(CaptionCli.prunerSpec("fastv", 0.25, Map.of()).getFastv().getKeepRatio())
        .isEqualTo(0.25);
    assertThat(CaptionCli.prunerSpec(" ALTP ", 0.25, Map.of()).getAltp().getKeepRatio())
        .isEqualTo(0.25);
    PrunerSpec grid = CaptionCli.prunerSpec("grid", 0.25, Map.of("k", "3"));
    assertThat(grid.getTypedParamsCase()).isEqualTo(PrunerSpec.TypedParamsCase.TYPEDPARAMS_NOT_SET);
    assertThat(grid.getParamsMap())
        .containsOnly(Map.entry("k", "3"), Map.entry("keep_ratio", "0.25"));
  }

  @Test
  void otherParametersStayTextualBesideTheTypedRatio() {
    PrunerSpec spec = CaptionCli.prunerSpec("pdrop", 0.5, Map.of("stage_layers", "2,4"));
    assertThat(spec.getPdrop().getKeepRatio()).isEqualTo(0.5);
    assertThat(spec.getParamsMap()).containsOnly(Map.entry("stage_layers", "2,4"));
    assertThat(CaptionCli.prunerSpec("pdrop", null, Map.of()).hasPdrop()).isFalse();
  }

  @Test
  void refusesTheRatioGivenTwice() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = run(err, "--pruner", "fastv", "--keep-ratio", "0.1", "--param", "keep_ratio=0.2");
    assertThat(status).isEqualTo(CaptionCli.EXIT_USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--keep-ratio and --param keep_ratio=... set the same parameter");
    assertThat(service.requests).isEmpty();
  }
}
