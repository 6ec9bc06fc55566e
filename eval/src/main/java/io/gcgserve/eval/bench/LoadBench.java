package io.gcgserve.eval.bench;

import com.google.gson.GsonBuilder;
import com.google.protobuf.ByteString;
import io.gcgserve.harness.ServerProcess;
import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.Split;
import io.gcgserve.model.image.ImageFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/gcg-bench load}: what clients of a gcg-serve server get under load. Starts the server
 * of a checkout as a child process ({@code bin/gcg-serve} on free ports), and over real Caption
 * streams (gRPC over TCP) measures a closed loop for every pruner and concurrency, optionally how
 * fast cancelled and expired requests free their place, an open loop of Poisson arrivals, and
 * optionally a soak with the server's RSS. With {@code --baseline-root} a second checkout's server
 * runs the same configurations in turn, for ratios.
 */
@NullMarked
@Command(
    name = "gcg-bench load",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Throughput, TTFT and RSS of a gcg-serve server process under load.")
public final class LoadBench implements Callable<Integer> {

  /** Label of the server of {@code --root}. */
  static final String CURRENT = "current";

  /** Label of the server of {@code --baseline-root}. */
  static final String BASELINE = "baseline";

  @Option(names = "--root", description = "Checkout whose bin/gcg-serve runs (default: this one).")
  @Nullable Path root;

  @Option(names = "--baseline-root", description = "Second checkout, benchmarked the same way.")
  @Nullable Path baselineRoot;

  @Option(
      names = "--server-arg",
      description = "Extra server flag, repeatable (e.g. --server-arg=--max-batch=4).")
  List<String> serverArgs = new ArrayList<>();

  @Option(
      names = "--server-java-opts",
      description = "GCG_JAVA_OPTS for the server (default: none; the bench's own is not passed).")
  String serverJavaOpts = "";

  @Option(
      names = "--pruners",
      description =
          "Pruner configurations, name[:key=value]..., comma-separated. Default: ${DEFAULT-VALUE}.")
  String pruners = "none,altp:keep_ratio=0.1";

  @Option(
      names = "--concurrency",
      split = ",",
      description = "Closed-loop streams, comma-separated. Default: ${DEFAULT-VALUE}.")
  List<Integer> concurrency = new ArrayList<>(List.of(1, 2, 4, 8));

  @Option(
      names = "--requests-per-stream",
      description =
          "Requests each closed-loop stream sends (~30 s at c=1). Default: ${DEFAULT-VALUE}.")
  int requestsPerStream = 60;

  @Option(
      names = "--rounds",
      description =
          "Times the closed-loop sweep runs, every configuration once per round in the same order;"
              + " ratios are taken within each round and reported as their median with each"
              + " round's, which damps the drift of a shared machine. Default: ${DEFAULT-VALUE}.")
  int rounds = 1;

  @Option(
      names = "--warmup",
      description = "Unmeasured requests per server and pruner first. Default: ${DEFAULT-VALUE}.")
  int warmup = 4;

  @Option(
      names = "--images",
      description = "Synthetic val images 0..N-1 cycled through. Default: ${DEFAULT-VALUE}.")
  int images = 8;

  @Option(
      names = "--max-new-tokens",
      description = "Greedy token limit. Default: ${DEFAULT-VALUE}.")
  int maxNewTokens = 64;

  @Option(
      names = "--open-loop-fraction",
      description =
          "Open-loop rate as a fraction of the best closed-loop captions/s of the first"
              + " pruner; 0 = skip. Default: ${DEFAULT-VALUE}.")
  double openLoopFraction = 0.8;

  @Option(
      names = "--open-loop-seconds",
      description = "Open-loop arrival window. Default: ${DEFAULT-VALUE}.")
  double openLoopSeconds = 30;

  @Option(
      names = "--seed",
      description = "Seed of the open-loop arrivals. Default: ${DEFAULT-VALUE}.")
  long seed = 1;

  @Option(
      names = "--soak",
      description = "Soak requests at concurrency 8 (0 = skip). Default: ${DEFAULT-VALUE}.")
  int soak = 0;

  @Option(
      names = "--cancel-probe",
      description =
          "Cancellation probe requests after the closed loop (0 = skip). Default: ${DEFAULT-VALUE}.")
  int cancelProbe = 0;

  @Option(
      names = "--cancel-deadline-ms",
      description =
          "LOW..HIGH: each probe's deadline or client-cancel time is drawn uniformly from it (seeded"
              + " by --seed). Default: ${DEFAULT-VALUE}.")
  String cancelDeadlineMillis = "20..400";

  @Option(
      names = "--cancel-pruner",
      description =
          "Pruner configuration of the probe requests (default: ALTP at its costliest allowed"
              + " segmentation): ${DEFAULT-VALUE}.")
  String cancelPruner = DEFAULT_CANCEL_PRUNER;

  @Option(names = "--json", description = "Also write every figure to this JSON file.")
  @Nullable Path json;

  @Option(
      names = "--startup-timeout-seconds",
      description = "Wait for SERVING. Default: ${DEFAULT-VALUE}.")
  int startupTimeoutSeconds = 300;

  @Option(
      names = "--request-timeout-seconds",
      description = "Deadline of each request. Default: ${DEFAULT-VALUE}.")
  int requestTimeoutSeconds = 300;

  /**
   * ALTP with SLIC on the largest label grid its parameter specs allow (segment_pixels_per_token at
   * its cost cap; the cost grows with its square) and the most smoothing, with the default
   * superpixel count: among the most expensive pruner steps a request can ask for
   * (pruners/README.md, Cost caps, gives the worst-case sweep).
   */
  static final String DEFAULT_CANCEL_PRUNER =
      "altp:keep_ratio=0.1:segment_pixels_per_token=4:n_superpixels=10:sigma=10";

  static final int SOAK_CONCURRENCY = 8;
  static final int CANCEL_BACKGROUND_STREAMS = 8;
  static final int SOAK_SAMPLE_EVERY = 50;

  private final PrintStream out;
  private final PrintStream progress;

  LoadBench(PrintStream out, PrintStream progress) {
    this.out = out;
    this.progress = progress;
  }

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new LoadBench(System.out, System.err)).execute(args));
  }

  /** The parsed pruner configurations; checks every option (IllegalArgumentException). */
  List<PrunerConfig> validate() {
    List<PrunerConfig> configs = PrunerConfig.parseList(pruners);
    if (concurrency.isEmpty() || concurrency.stream().anyMatch(level -> level < 1)) {
      throw new IllegalArgumentException("--concurrency needs values >= 1, got " + concurrency);
    }
    if (new LinkedHashSet<>(concurrency).size() != concurrency.size()) {
      throw new IllegalArgumentException("--concurrency lists a value twice: " + concurrency);
    }
    requireAtLeast("--requests-per-stream", requestsPerStream, 1);
    requireAtLeast("--rounds", rounds, 1);
    requireAtLeast("--warmup", warmup, 0);
    requireAtLeast("--images", images, 1);
    requireAtLeast("--max-new-tokens", maxNewTokens, 1);
    requireAtLeast("--soak", soak, 0);
    requireAtLeast("--cancel-probe", cancelProbe, 0);
    cancelRange();
    cancelPrunerConfig();
    requireAtLeast("--startup-timeout-seconds", startupTimeoutSeconds, 1);
    requireAtLeast("--request-timeout-seconds", requestTimeoutSeconds, 1);
    if (!(openLoopFraction >= 0) || Double.isInfinite(openLoopFraction)) {
      throw new IllegalArgumentException(
          "--open-loop-fraction must be >= 0, got " + openLoopFraction);
    }
    if (openLoopFraction > 0 && !(openLoopSeconds > 0)) {
      throw new IllegalArgumentException("--open-loop-seconds must be > 0, got " + openLoopSeconds);
    }
    return configs;
  }

  /** The parsed {@code --cancel-deadline-ms}. */
  CancelSchedule.Range cancelRange() {
    try {
      return CancelSchedule.Range.parse(cancelDeadlineMillis);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--cancel-deadline-ms: " + e.getMessage(), e);
    }
  }

  /** The parsed {@code --cancel-pruner}. */
  PrunerConfig cancelPrunerConfig() {
    try {
      return PrunerConfig.parse(cancelPruner);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--cancel-pruner: " + e.getMessage(), e);
    }
  }

  private static void requireAtLeast(String option, int value, int minimum) {
    if (value < minimum) {
      throw new IllegalArgumentException(
          option + " must be at least " + minimum + ", got " + value);
    }
  }

  @Override
  public Integer call() throws Exception {
    List<PrunerConfig> configs;
    try {
      configs = validate();
    } catch (IllegalArgumentException e) {
      progress.println("gcg-bench load: " + e.getMessage());
      return CommandLine.ExitCode.USAGE;
    }
    Map<String, Path> roots = new LinkedHashMap<>();
    roots.put(CURRENT, root != null ? root : defaultRoot());
    if (baselineRoot != null) {
      roots.put(BASELINE, baselineRoot);
    }
    List<ServerProcess> started = new ArrayList<>();
    Thread stopper = new Thread(() -> stopAll(started), "gcg-bench-load-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    try {
      LoadReport report = run(configs, roots, started);
      if (json != null) {
        writeJson(json, report, roots, configs);
      }
      return CommandLine.ExitCode.OK;
    } catch (IOException | IllegalStateException e) {
      progress.println("gcg-bench load: " + e.getMessage());
      return CommandLine.ExitCode.SOFTWARE;
    } finally {
      stopAll(started);
      try {
        Runtime.getRuntime().removeShutdownHook(stopper);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running already and stops the servers itself
      }
    }
  }

  /**
   * Starts every server (each joins {@code started} before it is waited for, so an interrupt while
   * a model loads still stops it), then runs the phases.
   */
  private LoadReport run(
      List<PrunerConfig> configs, Map<String, Path> roots, List<ServerProcess> started)
      throws IOException, InterruptedException {
    List<ByteString> pngs = syntheticImages(images);
    List<Target> targets = new ArrayList<>();
    for (Map.Entry<String, Path> entry : roots.entrySet()) {
      ServerProcess server =
          ServerProcess.launch(
              "load",
              entry.getKey(),
              entry.getValue().toAbsolutePath().normalize(),
              serverArgs,
              Map.of("GCG_JAVA_OPTS", serverJavaOpts),
              progress);
      synchronized (started) {
        started.add(server);
      }
      server.awaitServing(Duration.ofSeconds(startupTimeoutSeconds), progress);
      targets.add(
          new Target(
              server, new LoadRunner(server, pngs, maxNewTokens, requestTimeoutSeconds, progress)));
    }
    return new LoadPhases(this, configs, targets).runAll();
  }

  /** A server and the runner that drives it. */
  record Target(ServerProcess server, LoadRunner runner) {
    String label() {
      return server.label();
    }
  }

  PrintStream out() {
    return out;
  }

  PrintStream progress() {
    return progress;
  }

  private void stopAll(List<ServerProcess> started) {
    List<ServerProcess> servers;
    synchronized (started) {
      servers = new ArrayList<>(started);
      started.clear();
    }
    for (ServerProcess server : servers) {
      progress.printf("load: [%s] stopping the server (log %s)%n", server.label(), server.log());
      try {
        server.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The checkout this benchmark runs from: {@code -Dgcg.root} (bin/gcg-bench sets it), else three
   * levels above the eval jar ({@code ROOT/eval/target/gcg-serve-eval-*.jar}).
   */
  static Path defaultRoot() throws URISyntaxException {
    String property = System.getProperty("gcg.root");
    if (property != null && !property.isEmpty()) {
      return Path.of(property);
    }
    Path code =
        Path.of(LoadBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path target = code.getParent();
    Path module = target == null ? null : target.getParent();
    Path checkout = module == null ? null : module.getParent();
    if (checkout == null) {
      throw new IllegalStateException("cannot tell the checkout from " + code + "; pass --root");
    }
    return checkout;
  }

  /** PNGs of SceneGenerator(2024, 336) val scenes 0..count-1, as ServingBench uses. */
  static List<ByteString> syntheticImages(int count) throws IOException {
    SceneGenerator scenes = new SceneGenerator(2024, 336);
    List<ByteString> pngs = new ArrayList<>();
    Path file = Files.createTempFile("gcg-load", ".png");
    try {
      for (int i = 0; i < count; i++) {
        ImageFiles.writePng(scenes.generate(Split.VAL, i).image(), file);
        pngs.add(ByteString.copyFrom(Files.readAllBytes(file)));
      }
    } finally {
      Files.deleteIfExists(file);
    }
    return pngs;
  }

  private void writeJson(
      Path file, LoadReport report, Map<String, Path> roots, List<PrunerConfig> configs)
      throws IOException {
    Map<String, Object> tree = new LinkedHashMap<>();
    Map<String, Object> options = new LinkedHashMap<>();
    Map<String, String> rootNames = new LinkedHashMap<>();
    roots.forEach((label, path) -> rootNames.put(label, path.toAbsolutePath().toString()));
    options.put("roots", rootNames);
    options.put("server_args", serverArgs);
    options.put("pruners", configs.stream().map(PrunerConfig::label).toList());
    options.put("concurrency", concurrency);
    options.put("requests_per_stream", requestsPerStream);
    options.put("rounds", rounds);
    options.put("warmup", warmup);
    options.put("images", images);
    options.put("max_new_tokens", maxNewTokens);
    options.put("open_loop_fraction", openLoopFraction);
    options.put("open_loop_seconds", openLoopSeconds);
    options.put("seed", seed);
    options.put("soak", soak);
    options.put("cancel_probe", cancelProbe);
    options.put("cancel_deadline_ms", cancelDeadlineMillis);
    options.put("cancel_pruner", cancelPruner);
    tree.put("options", options);
    tree.putAll(report.toJson());
    String text =
        new GsonBuilder()
            .setPrettyPrinting()
            .disableHtmlEscaping()
            .serializeSpecialFloatingPointValues()
            .serializeNulls()
            .create()
            .toJson(tree);
    Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
    progress.println("load: figures written to " + file);
  }
}
