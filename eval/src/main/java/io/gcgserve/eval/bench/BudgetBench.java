package io.gcgserve.eval.bench;

import com.google.protobuf.ByteString;
import io.gcgserve.eval.ab.AbDriveCommand;
import io.gcgserve.eval.ab.AccessLogReader;
import io.gcgserve.harness.ServerProcess;
import io.gcgserve.proto.v1.Budget;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GenerationOptions;
import io.gcgserve.server.accesslog.AccessLogEntry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/gcg-bench budgets}: what a time-to-first-token budget buys under load, on the path
 * clients get (server processes, Caption streams over gRPC/TCP). One server runs unpruned: its
 * single-stream TTFT sets the budget (a multiple of its median), and open-loop Poisson arrivals at
 * rising rates, then a few bisecting ones ({@link RateSearch}), find where unpruned serving starts
 * to miss that budget for half its requests. Then a server with a fixed ALTP at 25% and one whose
 * requests carry {@code max_ttft_ms} = the budget (no pruner named: the server's budget pruner) see
 * the same arrivals at the same rates. Every server writes its access log with captions, from which
 * the budgeted server's choices, its TTFT predictions and every configuration's quality on the
 * ground truth are read.
 */
@NullMarked
@Command(
    name = "gcg-bench budgets",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Meeting a TTFT budget under load: unpruned vs fixed ALTP vs budgeted.")
public final class BudgetBench implements Callable<Integer> {

  /** The configurations, in the order they run; the first is the reference. */
  enum Config {
    UNPRUNED("unpruned"),
    ALTP25("altp 25%"),
    BUDGETED("max_ttft_ms");

    final String label;

    Config(String label) {
      this.label = label;
    }

    String file() {
      return name().toLowerCase(Locale.ROOT) + ".jsonl";
    }
  }

  @Option(names = "--root", description = "Checkout whose bin/gcg-serve runs (default: this one).")
  @Nullable Path root;

  @Option(
      names = "--ground-truth",
      required = true,
      description = "GranDf split whose images are sent and scored (bin/gcg-data --split val).")
  Path groundTruth = Path.of("");

  @Option(names = "--out", description = "Output directory. Default: ${DEFAULT-VALUE}.")
  Path out = Path.of("runs/budgets");

  @Option(names = "--server-arg", description = "Extra server flag, repeatable.")
  List<String> serverArgs = new ArrayList<>();

  @Option(names = "--max-new-tokens", description = "Default: ${DEFAULT-VALUE}.")
  int maxNewTokens = 64;

  @Option(
      names = "--warmup",
      description = "Unmeasured requests per server. Default: ${DEFAULT-VALUE}.")
  int warmup = 6;

  @Option(
      names = "--single-stream",
      description = "Sequential requests that set the budget. Default: ${DEFAULT-VALUE}.")
  int singleStream = 12;

  @Option(
      names = "--budget-factor",
      description = "Budget = this times the single-stream TTFT p50. Default: ${DEFAULT-VALUE}.")
  double budgetFactor = 2.0;

  @Option(
      names = "--start-rate",
      description = "First arrival rate, /s. Default: ${DEFAULT-VALUE}.")
  double startRate = 0.5;

  @Option(
      names = "--rate-step",
      description = "Rate multiplier per step. Default: ${DEFAULT-VALUE}.")
  double rateStep = 1.3;

  @Option(names = "--max-steps", description = "Most rates tried. Default: ${DEFAULT-VALUE}.")
  int maxSteps = 8;

  @Option(
      names = "--refine",
      description =
          "Once a rate misses for half, this many more unpruned rates bisect (geometric mean)"
              + " between it and the highest rate that did not, so the rate compared is close to"
              + " where unpruned starts to miss for half. Default: ${DEFAULT-VALUE}.")
  int refineSteps = 2;

  @Option(
      names = "--phase-seconds",
      description = "Arrival window per rate. Default: ${DEFAULT-VALUE}.")
  double phaseSeconds = 30;

  @Option(
      names = "--rates",
      split = ",",
      description = "Run exactly these rates (/s) instead of searching from --start-rate.")
  List<Double> fixedRates = new ArrayList<>();

  @Option(
      names = "--budget-ms",
      description = "Use this budget instead of --budget-factor times the single-stream p50.")
  double fixedBudget;

  @Option(names = "--seed", description = "Arrival seed. Default: ${DEFAULT-VALUE}.")
  long seed = 1;

  private final PrintStream progress = System.err;

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new BudgetBench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (budgetFactor <= 0
        || rateStep <= 1
        || startRate <= 0
        || phaseSeconds <= 0
        || refineSteps < 0) {
      progress.println(
          "gcg-bench budgets: --budget-factor, --start-rate and --phase-seconds must be > 0,"
              + " --rate-step > 1 and --refine >= 0");
      return CommandLine.ExitCode.USAGE;
    }
    List<ByteString> images = AbDriveCommand.readImages(groundTruth);
    Files.createDirectories(out);
    Path checkout = (root != null ? root : LoadBench.defaultRoot()).toAbsolutePath().normalize();
    BudgetBenchReport report = new BudgetBenchReport(groundTruth, out, progress);

    // 1. unpruned: the budget, then rising rates until half the requests miss it
    List<Double> rates = new ArrayList<>();
    try (Served unpruned = serve(Config.UNPRUNED, checkout, images, 0)) {
      double[] single = new double[singleStream];
      for (int i = 0; i < singleStream; i++) {
        single[i] =
            unpruned
                .runner
                .openLoop(
                    request(Config.UNPRUNED, 0, images),
                    new long[] {0},
                    "single stream " + (i + 1) + "/" + singleStream)
                .results()
                .get(0)
                .ttftMillis();
      }
      unpruned.requests += singleStream;
      double singleP50 = Percentiles.percentile(single, 50);
      double budget = fixedBudget > 0 ? fixedBudget : budgetFactor * singleP50;
      report.budget(singleP50, budget);
      progress.printf(
          Locale.ROOT,
          "budgets: single-stream TTFT p50 %.1f ms; budget %.1f ms%n",
          singleP50,
          budget);
      RateSearch search =
          fixedRates.isEmpty()
              ? RateSearch.rising(startRate, rateStep, maxSteps, refineSteps)
              : RateSearch.fixed(fixedRates);
      for (Double rate = search.next(); rate != null; rate = search.next()) {
        BudgetBenchReport.Phase phase = phase(unpruned, rate, rates.size(), budget, images);
        rates.add(rate);
        report.add(Config.UNPRUNED, phase);
        search.observe(phase.missShare());
      }
      unpruned.close();
      report.log(Config.UNPRUNED, unpruned.log, unpruned.requests);
    }
    // 2. the same arrivals against fixed ALTP 25% and against the budget
    for (Config config : new Config[] {Config.ALTP25, Config.BUDGETED}) {
      try (Served served = serve(config, checkout, images, report.budgetMillis())) {
        for (int step = 0; step < rates.size(); step++) {
          report.add(config, phase(served, rates.get(step), step, report.budgetMillis(), images));
        }
        served.close();
        report.log(config, served.log, served.requests);
      }
    }
    report.write();
    return CommandLine.ExitCode.OK;
  }

  /** One open-loop phase at {@code rate}; the same arrivals for every configuration. */
  private BudgetBenchReport.Phase phase(
      Served served, double rate, int step, double budget, List<ByteString> images)
      throws InterruptedException {
    long[] offsets = PoissonSchedule.arrivalOffsetsNanos(seed + step, rate, phaseSeconds);
    String what = String.format(Locale.ROOT, "%s at %.2f/s", served.config.label, rate);
    LoadRunner.Run run =
        served.runner.openLoop(request(served.config, budget, images), offsets, what);
    served.requests += offsets.length;
    return BudgetBenchReport.Phase.of(rate, phaseSeconds, run, budget);
  }

  /** The {@code i}-th request of {@code config}: image {@code i mod n}. */
  private IntFunction<CaptionRequest> request(
      Config config, double budgetMillis, List<ByteString> images) {
    return i -> {
      CaptionRequest.Builder request =
          CaptionRequest.newBuilder()
              .setImage(images.get(i % images.size()))
              .setGeneration(GenerationOptions.newBuilder().setMaxNewTokens(maxNewTokens));
      switch (config) {
        case UNPRUNED -> request.setPruner(PrunerConfig.parse("none").spec());
        case ALTP25 -> request.setPruner(PrunerConfig.parse("altp:keep_ratio=0.25").spec());
        case BUDGETED -> request.setBudget(Budget.newBuilder().setMaxTtftMs(budgetMillis));
      }
      return request.build();
    };
  }

  private Served serve(Config config, Path checkout, List<ByteString> images, double budgetMillis)
      throws IOException, InterruptedException {
    Path log = out.resolve(config.file());
    Files.deleteIfExists(log);
    List<String> args = new ArrayList<>(serverArgs);
    args.addAll(List.of("--access-log", log.toAbsolutePath().toString(), "--access-log-captions"));
    ServerProcess server =
        ServerProcess.launch(
            "budgets",
            config.name().toLowerCase(Locale.ROOT),
            checkout,
            args,
            Map.of("GCG_JAVA_OPTS", ""),
            progress);
    Served served = new Served(config, server, log, images);
    server.awaitServing(Duration.ofMinutes(3), progress);
    // warm-up requests of the configuration itself (a budget's warm-up teaches its cost model)
    for (int i = 0; i < warmup; i++) {
      served.runner.openLoop(request(config, budgetMillis, images), new long[] {0}, "warm-up");
    }
    served.requests += warmup;
    return served;
  }

  /** A running server of one configuration, its access log and how many requests it was sent. */
  private final class Served implements AutoCloseable {
    final Config config;
    final ServerProcess server;
    final Path log;
    final LoadRunner runner;
    int requests;
    private boolean closed;

    Served(Config config, ServerProcess server, Path log, List<ByteString> images) {
      this.config = config;
      this.server = server;
      this.log = log;
      this.runner = new LoadRunner(server, images, maxNewTokens, 120, progress);
    }

    @Override
    public void close() throws InterruptedException {
      if (!closed) {
        closed = true;
        server.close();
      }
    }
  }

  /** Reads a finished server's log: one line per request sent, in the order they ended. */
  static List<AccessLogEntry> readLog(Path log, int requests) throws IOException {
    List<AccessLogEntry> entries = AccessLogReader.read(log, lines -> {}).entries();
    if (entries.size() != requests) {
      throw new IllegalStateException(
          log + " has " + entries.size() + " lines for " + requests + " requests");
    }
    return entries;
  }

  static void writeText(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }
}
