package io.gcgserve.eval.bench;

import com.google.protobuf.ByteString;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.Split;
import io.gcgserve.model.djl.GcgModels;
import io.gcgserve.model.image.ImageDecoder;
import io.gcgserve.model.image.ImageFiles;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GenerationOptions.Builder;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.server.GcgServer;
import io.gcgserve.server.config.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/gcg-bench serving}: end-to-end latency of one caption through gRPC over TCP (client
 * sends PNG bytes; the server validates, decodes, generates, streams every event) against the same
 * greedy generation called in-process on a decoded image, medians over interleaved runs.
 */
@Command(
    name = "gcg-bench serving",
    mixinStandardHelpOptions = true,
    description = "Caption latency through gRPC vs in-process, same model and image.")
public final class ServingBench implements Callable<Integer> {

  @Option(names = "--model", description = "Model directory (default: the bundled checkpoint).")
  private Path modelDirectory;

  @Option(names = "--image", description = "PNG/JPEG (default: synthetic validation scene 7).")
  private Path image;

  @Option(names = "--iterations", defaultValue = "20", description = "Timed runs of each path.")
  private int iterations;

  @Option(names = "--warmup", defaultValue = "3", description = "Untimed runs first.")
  private int warmup;

  @Option(names = "--max-new-tokens", defaultValue = "128", description = "Token limit.")
  private int maxNewTokens;

  private ServingBench() {}

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ServingBench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    byte[] png;
    if (image == null) {
      Path file = Files.createTempFile("gcg-bench", ".png");
      ImageFiles.writePng(new SceneGenerator(2024, 336).generate(Split.VAL, 7).image(), file);
      png = Files.readAllBytes(file);
      Files.delete(file);
    } else {
      png = Files.readAllBytes(image);
    }
    ImageRgb decoded = new ImageDecoder(4096, 4096).inspectAndDecode(png);

    ServerConfig config =
        new ServerConfig().setPort(0).setMetricsPort(-1).setModelDirectory(modelDirectory);
    GcgServer server = GcgServer.create(config);
    server.start();
    server.loadAndWarmUp();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
    GroundedCaptioner inProcess =
        modelDirectory == null
            ? GcgModels.loadBundled("cpu")
            : GcgModels.load(modelDirectory, "cpu");
    try {
      GroundedCaptionGrpc.GroundedCaptionBlockingStub stub =
          GroundedCaptionGrpc.newBlockingStub(channel);
      Builder options = io.gcgserve.proto.v1.GenerationOptions.newBuilder();
      options.setMaxNewTokens(maxNewTokens);
      CaptionRequest request =
          CaptionRequest.newBuilder()
              .setImage(ByteString.copyFrom(png))
              .setGeneration(options)
              .build();
      GenerationRequest local =
          new GenerationRequest(
              decoded,
              "",
              new NoPruner().create(Map.of(), inProcess.info().geometry()),
              GenerationOptions.greedy(maxNewTokens),
              () -> false);
      double[] grpc = new double[iterations];
      double[] direct = new double[iterations];
      int events = 0;
      int tokens = 0;
      for (int i = -warmup; i < iterations; i++) {
        long start = System.nanoTime();
        Iterator<CaptionEvent> stream =
            stub.withDeadlineAfter(5, TimeUnit.MINUTES).caption(request);
        int count = 0;
        while (stream.hasNext()) {
          stream.next();
          count++;
        }
        double grpcMillis = (System.nanoTime() - start) / 1e6;
        start = System.nanoTime();
        GenerationResult result = inProcess.generate(local, new Discard());
        double directMillis = (System.nanoTime() - start) / 1e6;
        if (i >= 0) {
          grpc[i] = grpcMillis;
          direct[i] = directMillis;
          events = count;
          tokens = result.generatedTokens();
        }
      }
      double grpcMedian = median(grpc);
      double directMedian = median(direct);
      System.out.printf(
          "caption of %d tokens (%d stream events), median of %d interleaved runs:%n",
          tokens, events, iterations);
      System.out.printf("  through gRPC over TCP (PNG in, events out): %.1f ms%n", grpcMedian);
      System.out.printf("  in-process generate (decoded image):        %.1f ms%n", directMedian);
      System.out.printf(
          "  serving overhead: %.1f ms (%.1f%%)%n",
          grpcMedian - directMedian, 100 * (grpcMedian - directMedian) / directMedian);
    } finally {
      channel.shutdownNow();
      inProcess.close();
      server.stop(System.err);
    }
    return 0;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  /** Ignores events; the in-process path does no serialisation. */
  private static final class Discard implements GenerationListener {
    @Override
    public void onToken(TokenDelta delta) {}

    @Override
    public void onGroundedPhrase(GroundedPhrase phrase) {}
  }
}
