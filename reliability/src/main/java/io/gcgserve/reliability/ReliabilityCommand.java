package io.gcgserve.reliability;

import io.gcgserve.harness.ServerProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/gcg-reliability}: runs the reliability scenarios against bin/gcg-serve processes. */
@Command(
    name = "gcg-reliability",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Starts bin/gcg-serve (bundled model, loopback, free ports) and runs bounded scenarios:",
      "overload at 10x capacity, a cancel storm, SIGTERM under load, a slow reader, a soak mixing",
      "pruners, TLS handshake failures and wrong tokens. Prints a PASS/FAIL line with the measured",
      "figures per scenario; exit status 1 when any scenario fails its criteria."
    })
public final class ReliabilityCommand implements Callable<Integer> {

  /** Every scenario, in the order they run. */
  static final List<String> SCENARIOS =
      List.of(
          OverloadScenario.NAME,
          CancelStormScenario.NAME,
          SlowReaderScenario.NAME,
          SoakScenario.NAME,
          SecurityScenario.NAME,
          SigtermScenario.NAME);

  @Option(
      names = "--root",
      description = "The gcg-serve checkout whose bin/gcg-serve runs (default: this one).")
  private Path root = Path.of(System.getProperty("gcg.root", "."));

  @Option(
      names = "--scenarios",
      split = ",",
      description = "Scenarios to run, comma-separated (default: all): ${COMPLETION-CANDIDATES}")
  private List<String> scenarios = SCENARIOS;

  @Option(
      names = "--soak-requests",
      defaultValue = "5000",
      description = "Requests of the soak. Default: ${DEFAULT-VALUE}.")
  private int soakRequests;

  @Option(
      names = "--server-args",
      paramLabel = "FLAGS",
      description = {
        "Further gcg-serve flags for every server the suite starts, in one argument split at",
        "spaces, e.g. --server-args='--prefill-lane off'; not one the suite sets itself."
      })
  private String serverArgs = "";

  @Option(
      names = "--seed",
      defaultValue = "21",
      description = "Seed of every random choice. Default: ${DEFAULT-VALUE}.")
  private long seed;

  /**
   * The flags the suite gives its servers itself ({@link Suite}, {@link ServerProcess}, {@link
   * SecurityScenario}): the scenarios size their load and read their figures by these.
   */
  static final List<String> SUITE_FLAGS =
      List.of(
          "--bind",
          "--port",
          "--metrics-port",
          "--max-batch",
          "--queue-capacity",
          "--no-warm-up",
          "--access-log",
          "--stream-transport-bytes",
          "--stream-buffer",
          "--drain-delay-seconds",
          "--drain-grace-seconds",
          "--tls-cert",
          "--tls-key",
          "--tls-client-ca",
          "--tls-client-auth",
          "--auth-tokens");

  /** The first of {@code args} that names one of {@link #SUITE_FLAGS}, or null. */
  static @Nullable String reservedFlag(List<String> args) {
    for (String arg : args) {
      String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      if (SUITE_FLAGS.contains(flag)) {
        return flag;
      }
    }
    return null;
  }

  /** Runs the command line. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ReliabilityCommand()).execute(args));
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    for (String scenario : scenarios) {
      if (!SCENARIOS.contains(scenario)) {
        System.err.println(
            "gcg-reliability: unknown scenario '" + scenario + "'; known: " + SCENARIOS);
        return 2;
      }
    }
    if (soakRequests < 1) {
      System.err.println("gcg-reliability: --soak-requests must be at least 1");
      return 2;
    }
    List<String> extraArgs =
        serverArgs.isBlank() ? List.of() : List.of(serverArgs.trim().split("\\s+"));
    String reserved = reservedFlag(extraArgs);
    if (reserved != null) {
      System.err.println(
          "gcg-reliability: --server-args may not set "
              + reserved
              + ": the scenarios size their load by the suite's own "
              + SUITE_FLAGS);
      return 2;
    }
    List<ScenarioResult> results =
        run(root, Plan.full(soakRequests, seed, extraArgs), scenarios, System.out);
    return results.stream().allMatch(ScenarioResult::passed) ? 0 : 1;
  }

  /**
   * Runs {@code names} in {@link #SCENARIOS} order with {@code plan} against {@code root}'s
   * bin/gcg-serve, printing progress and the result lines to {@code out}.
   */
  static List<ScenarioResult> run(Path root, Plan plan, List<String> names, PrintStream out)
      throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("gcg-reliability-");
    out.printf("reliability: generating %d synthetic scenes in %s%n", plan.images(), work);
    Map<String, ScenarioResult> results = new LinkedHashMap<>();
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try (Suite suite =
        new Suite(root, plan, out, Scenes.generate(plan.images(), work.resolve("scenes")), work)) {
      for (String name : SCENARIOS) {
        if (!names.contains(name)) {
          continue;
        }
        Duration bound = bound(name, plan);
        out.printf("reliability: [%s] running (bounded to %d s)%n", name, bound.toSeconds());
        long start = System.nanoTime();
        Future<ScenarioResult> future = runner.submit(() -> scenario(name, suite));
        ScenarioResult result;
        try {
          result = future.get(bound.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          future.cancel(true);
          result = ScenarioResult.failed(name, "did not end within " + bound.toSeconds() + " s");
        } catch (ExecutionException e) {
          result = ScenarioResult.failed(name, "failed: " + e.getCause());
          e.getCause().printStackTrace(out);
        }
        results.put(name, result);
        out.printf(
            "reliability: [%s] took %.1f s%n%s%n",
            name, (System.nanoTime() - start) / 1e9, result.line());
      }
    } finally {
      runner.shutdownNow();
    }
    out.println("reliability: summary");
    results.values().forEach(result -> out.println(result.line()));
    return new ArrayList<>(results.values());
  }

  private static ScenarioResult scenario(String name, Suite suite) throws Exception {
    return switch (name) {
      case OverloadScenario.NAME -> OverloadScenario.run(suite);
      case CancelStormScenario.NAME -> CancelStormScenario.run(suite);
      case SlowReaderScenario.NAME -> SlowReaderScenario.run(suite);
      case SigtermScenario.NAME -> SigtermScenario.run(suite);
      case SecurityScenario.NAME -> SecurityScenario.run(suite);
      case SoakScenario.NAME -> SoakScenario.run(suite);
      default -> throw new IllegalArgumentException("unknown scenario " + name);
    };
  }

  /** Each scenario's time bound: generous for this machine, but finite. */
  static Duration bound(String name, Plan plan) {
    return switch (name) {
      case SoakScenario.NAME -> Duration.ofSeconds(300 + plan.soakRequests());
      case CancelStormScenario.NAME, SlowReaderScenario.NAME -> Duration.ofMinutes(10);
      default -> Duration.ofMinutes(6);
    };
  }
}
