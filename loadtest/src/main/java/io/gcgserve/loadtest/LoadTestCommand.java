package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.ListPrunersRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bin/gcg-loadtest}: runs a load test against a gcg-serve server and writes its report. */
@Command(
    name = "gcg-loadtest",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Load-tests a gcg-serve server's Caption stream: open-loop (Poisson, gamma, constant) or",
      "closed-loop arrivals, per-stream TTFT / time to first mask / inter-token gaps / e2e from the",
      "intended and the actual send, goodput under SLOs, capacity search, quality under load.",
      "Writes summary.json, requests.jsonl, *.hlog, PNG plots and report.html to --out.",
      "Compare two runs: bin/gcg-loadtest compare A B."
    })
public final class LoadTestCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(names = "--target", required = true, description = "Server address HOST:PORT.")
  private String target;

  @Option(names = "--out", required = true, description = "Output directory.")
  private Path out;

  @Option(names = "--workload", description = "YAML/JSON workload file (explicit flags win).")
  private @Nullable Path workloadFile;

  @Option(
      names = "--arrival",
      defaultValue = "poisson",
      description = "poisson, gamma, constant (open loop) or closed. Default: ${DEFAULT-VALUE}.")
  private String arrival;

  @Option(names = "--rate", defaultValue = "1", description = "Open loop: requests/s.")
  private double rate;

  @Option(names = "--burstiness", defaultValue = "1", description = "Gamma shape (1 = Poisson).")
  private double burstiness;

  @Option(names = "--concurrency", defaultValue = "1", description = "Closed loop: streams.")
  private int concurrency;

  @Option(names = "--duration", defaultValue = "20s", description = "Run length, e.g. 20s, 2m.")
  private String duration;

  @Option(names = "--requests", defaultValue = "0", description = "At most this many (0: none).")
  private int requests;

  @Option(names = "--warmup", defaultValue = "0s", description = "Excluded from the figures.")
  private String warmup;

  @Option(
      names = "--images",
      description = "Directory of PNG/JPEG (or GranDf). Default: synthetic.")
  private @Nullable String images;

  @Option(names = "--synthetic", defaultValue = "32", description = "Synthetic val scenes to use.")
  private int synthetic;

  @Option(names = "--ground-truth", description = "GranDf directory to score captions against.")
  private @Nullable String groundTruth;

  @Option(
      names = "--mix",
      defaultValue = "none",
      split = ",",
      description = "Weighted mix: PRUNER[@KEEP][+BUDGET][*WEIGHT] or exp:NAME, comma separated.")
  private List<String> mix;

  @Option(names = "--subjects", defaultValue = "1000", description = "Subject-key population.")
  private int subjects;

  @Option(names = "--max-tokens", defaultValue = "0", description = "max_new_tokens (0: server).")
  private int maxTokens;

  @Option(names = "--deadline", defaultValue = "60s", description = "Per-call deadline.")
  private String deadline;

  @Option(names = "--cancel-share", defaultValue = "0", description = "Share cancelled mid-way.")
  private double cancelShare;

  @Option(names = "--max-in-flight", defaultValue = "256", description = "Open loop stream cap.")
  private int maxInFlight;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the whole plan.")
  private long seed;

  @Option(names = "--slo", description = "SLOs, e.g. ttft=400ms,itl_p95=60ms,e2e=3s.")
  private @Nullable String slo;

  @Option(names = "--runs", defaultValue = "1", description = "Repeat N times (95%% CIs).")
  private int runs;

  @Option(names = "--find-max-rate", description = "Search the highest rate meeting the SLO.")
  private boolean findMaxRate;

  @Option(names = "--search-each", description = "Search each mix entry on its own.")
  private boolean searchEach;

  @Option(names = "--search-steps", defaultValue = "6", description = "Steps per search.")
  private int searchSteps;

  @Option(names = "--search-window", defaultValue = "5s", description = "Measurement window.")
  private String searchWindow;

  @Option(names = "--search-windows", defaultValue = "3", description = "Windows per step.")
  private int searchWindows;

  @Option(names = "--stability", defaultValue = "0.10", description = "Windows' allowed spread.")
  private double stability;

  @Option(names = "--no-quality", description = "Do not score captions.")
  private boolean noQuality;

  @Option(names = "--quiet", description = "No live progress line.")
  private boolean quiet;

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new LoadTestCommand()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Workload workload;
    Slo objectives;
    try {
      workload = Workload.resolve(flags(), workloadFile, explicitKeys());
      objectives = Slo.parse(slo);
      if (runs < 1 || searchSteps < 1 || searchWindows < CapacitySearch.STABLE_WINDOWS) {
        throw new IllegalArgumentException(
            "--runs and --search-steps must be >= 1 and --search-windows >= "
                + CapacitySearch.STABLE_WINDOWS);
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    Files.createDirectories(out);
    PrintStream err = System.err;
    ImageSet imageSet =
        workload.images() == null
            ? ImageSet.synthetic(workload.synthetic(), out.resolve("scenes"))
            : ImageSet.fromDirectory(Path.of(workload.images()));
    Path truth =
        noQuality
            ? null
            : workload.groundTruth() != null
                ? Path.of(workload.groundTruth())
                : imageSet.groundTruth();
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(target)
            .usePlaintext()
            .directExecutor()
            .maxInboundMessageSize(64 * 1024 * 1024)
            .build();
    try {
      reach(channel);
      RunDriver driver =
          new RunDriver(target, channel, objectives, imageSet, truth, quiet ? null : err, err);
      if (findMaxRate) {
        driver.capacity(workload, searchSettings(workload), searchEach, out);
      } else {
        driver.runs(workload, runs, out);
      }
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    return 0;
  }

  private CapacitySearch.Settings searchSettings(Workload workload) {
    return new CapacitySearch.Settings(
        workload.rate(),
        workload.warmupSeconds(),
        DurationText.seconds(searchWindow),
        searchWindows,
        stability,
        searchSteps);
  }

  /** Fails fast, with the address, when nothing answers there. */
  private void reach(ManagedChannel channel) {
    try {
      GroundedCaptionGrpc.newBlockingStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .listPruners(ListPrunersRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--target "
              + target
              + " did not answer ListPruners ("
              + e.getStatus().getCode()
              + "): start bin/gcg-serve there or fix the address",
          e);
    }
  }

  private ObjectNode flags() {
    ObjectNode node = Workload.json().createObjectNode();
    node.put("arrival", arrival);
    node.put("rate", rate);
    node.put("burstiness", burstiness);
    node.put("concurrency", concurrency);
    node.put("duration", duration);
    node.put("requests", requests);
    node.put("warmup", warmup);
    if (images != null) {
      node.put("images", images);
    }
    node.put("synthetic", synthetic);
    if (groundTruth != null) {
      node.put("ground_truth", groundTruth);
    }
    var entries = node.putArray("mix");
    for (String text : mix) {
      entries.add(Workload.json().valueToTree(MixEntry.parse(text)));
    }
    node.put("subjects", subjects);
    node.put("max_tokens", maxTokens);
    node.put("deadline", deadline);
    node.put("cancel_share", cancelShare);
    node.put("max_in_flight", maxInFlight);
    node.put("seed", seed);
    return node;
  }

  /** Workload keys given explicitly on the command line. */
  private Set<String> explicitKeys() {
    Set<String> keys = new HashSet<>();
    for (var option : spec.commandLine().getParseResult().matchedOptions()) {
      keys.add(option.longestName().replaceFirst("^--", "").replace('-', '_'));
    }
    return keys;
  }

  /** Makes sure the directory exists (for tests and the driver). */
  static Path directory(Path path) throws IOException {
    return Files.createDirectories(path);
  }
}
