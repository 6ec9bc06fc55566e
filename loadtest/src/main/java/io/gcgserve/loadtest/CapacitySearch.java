package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * {@code --find-max-rate}: the highest open-loop rate whose goodput is at least {@link #PASS_SHARE}
 * of arrivals. Each step runs the workload at one rate for a warm-up (excluded) and then {@code
 * windows} measurement windows; like perf_analyzer, a step counts only when it is stable, here when
 * the last three windows' good shares (good requests over arrivals due in the window) lie within
 * ±{@code stability} of their mean. The share, not the goodput itself, is compared because at a
 * fixed offered rate each window's arrival count carries Poisson noise of ±1/√n (±26% for 15
 * arrivals), which would swamp a throughput comparison; a queue that keeps growing shows as a
 * falling share. The search doubles the rate from the start rate until a step fails, then bisects
 * between the last pass and the first failure for the remaining steps.
 */
final class CapacitySearch {

  /** Goodput share of arrivals a step must reach. */
  static final double PASS_SHARE = 0.99;

  /** Windows whose goodputs must agree for a step to be stable. */
  static final int STABLE_WINDOWS = 3;

  /**
   * Search settings.
   *
   * @param startRate the first rate tried
   * @param warmupSeconds warm-up of each step, excluded
   * @param windowSeconds length of one measurement window
   * @param windows measurement windows per step (at least {@link #STABLE_WINDOWS})
   * @param stability the windows' allowed relative spread
   * @param maxSteps steps in all
   */
  record Settings(
      double startRate,
      double warmupSeconds,
      double windowSeconds,
      int windows,
      double stability,
      int maxSteps) {}

  /** Runs one step at a workload; the caller's runner. */
  @FunctionalInterface
  interface StepRunner {
    LoadRunner.RunResult run(Workload workload) throws Exception;
  }

  /**
   * One step's verdict.
   *
   * @param rate the target rate
   * @param result what the step measured
   * @param windowGoodputs goodput per measurement window, requests/s
   * @param windowShares good share per measurement window
   * @param goodShare good over judged requests in the measured part
   * @param stable whether the last windows agree
   * @param pass stable and good share at least {@link #PASS_SHARE}
   */
  record Step(
      double rate,
      LoadRunner.RunResult result,
      double[] windowGoodputs,
      double[] windowShares,
      double goodShare,
      boolean stable,
      boolean pass) {}

  private CapacitySearch() {}

  /** Runs the search; returns every step in order. */
  static List<Step> search(
      Workload base, Slo slo, Settings settings, StepRunner runner, PrintStream log)
      throws Exception {
    List<Step> steps = new ArrayList<>();
    double pass = 0;
    double fail = Double.NaN;
    double rate = settings.startRate();
    for (int i = 0; i < settings.maxSteps(); i++) {
      double duration = settings.warmupSeconds() + settings.windows() * settings.windowSeconds();
      Workload workload =
          base.with(
              rate,
              String.format(Locale.ROOT, "%.3fs", duration),
              String.format(Locale.ROOT, "%.3fs", settings.warmupSeconds()),
              base.seed() + i);
      Step step = judge(rate, runner.run(workload), slo, settings);
      steps.add(step);
      log.printf(
          Locale.ROOT,
          "step %d: rate %.3f/s achieved %.3f/s good %.1f%% windows %s -> %s%n",
          i + 1,
          rate,
          step.result().achievedRate(),
          100 * step.goodShare(),
          windows(step.windowGoodputs()),
          step.pass() ? "pass" : step.stable() ? "fail" : "fail (unstable)");
      if (step.pass()) {
        pass = Math.max(pass, rate);
      } else {
        fail = Double.isNaN(fail) ? rate : Math.min(fail, rate);
      }
      rate = Double.isNaN(fail) ? rate * 2 : pass > 0 ? (pass + fail) / 2 : fail / 2;
    }
    return steps;
  }

  private static String windows(double[] goodputs) {
    List<String> parts = new ArrayList<>();
    for (double goodput : goodputs) {
      parts.add(String.format(Locale.ROOT, "%.2f", goodput));
    }
    return "[" + String.join(" ", parts) + "]/s";
  }

  /** Judges a step from its records. */
  static Step judge(double rate, LoadRunner.RunResult result, Slo slo, Settings settings) {
    double[] goodputs = new double[settings.windows()];
    double[] arrivals = new double[settings.windows()];
    int judged = 0;
    int good = 0;
    for (RequestRecord record : result.records()) {
      double at = record.intendedMs() / 1000 - settings.warmupSeconds();
      if (at < 0) {
        continue;
      }
      int window =
          (int) Math.min(settings.windows() - 1, Math.floor(at / settings.windowSeconds()));
      if (RequestRecord.CANCELLED.equals(record.outcome())) {
        continue;
      }
      judged++;
      arrivals[window]++;
      if (slo.met(record)) {
        good++;
        goodputs[window] += 1 / settings.windowSeconds();
      }
    }
    double[] shares = new double[settings.windows()];
    for (int i = 0; i < shares.length; i++) {
      shares[i] = arrivals[i] == 0 ? 0 : goodputs[i] * settings.windowSeconds() / arrivals[i];
    }
    double share = judged == 0 ? 0 : (double) good / judged;
    boolean stable = stable(shares, settings.stability());
    return new Step(rate, result, goodputs, shares, share, stable, stable && share >= PASS_SHARE);
  }

  /**
   * Whether the last {@link #STABLE_WINDOWS} values lie within ±{@code stability} of their mean.
   */
  static boolean stable(double[] values, double stability) {
    int from = Math.max(0, values.length - STABLE_WINDOWS);
    double sum = 0;
    for (int i = from; i < values.length; i++) {
      sum += values[i];
    }
    double mean = sum / (values.length - from);
    if (mean <= 0) {
      return false;
    }
    for (int i = from; i < values.length; i++) {
      if (Math.abs(values[i] - mean) > stability * mean) {
        return false;
      }
    }
    return true;
  }

  /** The highest passing rate, 0 when none passed. */
  static double maxRate(List<Step> steps) {
    return steps.stream().filter(Step::pass).mapToDouble(Step::rate).max().orElse(0);
  }

  /** The search as JSON: the steps and the highest passing rate. */
  static ObjectNode json(List<Step> steps, Settings settings, double warmupSeconds) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("max_rate", Figures.round(maxRate(steps)));
    node.put("pass_share", PASS_SHARE);
    node.put("stability", settings.stability());
    node.put("window_s", settings.windowSeconds());
    node.put("windows", settings.windows());
    node.put("warmup_s", warmupSeconds);
    ArrayNode array = node.putArray("steps");
    for (Step step : steps) {
      ObjectNode item = array.addObject();
      item.put("rate", Figures.round(step.rate()));
      item.put("achieved_rate", Figures.round(step.result().achievedRate()));
      item.put("good_share", Figures.round(step.goodShare()));
      ArrayNode windows = item.putArray("window_goodput_rps");
      for (double goodput : step.windowGoodputs()) {
        windows.add(Figures.round(goodput));
      }
      ArrayNode shares = item.putArray("window_good_share");
      for (double value : step.windowShares()) {
        shares.add(Figures.round(value));
      }
      item.put("stable", step.stable());
      item.put("pass", step.pass());
      List<RequestRecord> measured =
          Summary.measured(step.result().records(), warmupSeconds).stream()
              .filter(RequestRecord::ok)
              .toList();
      Histogram ttft =
          Figures.histogram(
              measured.stream().map(RequestRecord::ttftMs).filter(v -> v != null).toList());
      item.put("ttft_p50_ms", Figures.round(Figures.percentileMs(ttft, 50)));
      item.put("ttft_p99_ms", Figures.round(Figures.percentileMs(ttft, 99)));
      item.put("client_cpu_s", Figures.round(step.result().cpuSeconds()));
      item.put("wall_s", Figures.round(step.result().wallSeconds()));
    }
    return node;
  }
}
