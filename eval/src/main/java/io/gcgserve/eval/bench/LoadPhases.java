package io.gcgserve.eval.bench;

import io.gcgserve.eval.bench.LoadBench.Target;
import io.gcgserve.harness.PrometheusText;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * The benchmark's phases in order, over every server: warm-up, closed loop (each pruner, each
 * concurrency, the servers in turn so both see the same conditions), cancellation probe, open loop,
 * soak. Prints each phase's results to stdout as soon as it ends.
 */
@NullMarked
final class LoadPhases {

  /** How long the cancellation probe waits for the server to count its releases. */
  private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(60);

  private static final long SETTLE_POLL_MILLIS = 200;

  private final LoadBench options;
  private final List<PrunerConfig> pruners;
  private final List<Target> targets;
  private final PrintStream out;
  private final PrintStream progress;
  private final LoadReport report;
  private final Map<String, CaptionConsistency> consistency = new LinkedHashMap<>();

  LoadPhases(LoadBench options, List<PrunerConfig> pruners, List<Target> targets) {
    this.options = options;
    this.pruners = List.copyOf(pruners);
    this.targets = List.copyOf(targets);
    this.out = options.out();
    this.progress = options.progress();
    this.report =
        new LoadReport(
            targets.stream().map(Target::label).toList(),
            pruners.stream().map(PrunerConfig::label).toList(),
            options.concurrency);
    targets.forEach(target -> consistency.put(target.label(), new CaptionConsistency()));
  }

  /** Runs every phase; returns the figures. */
  LoadReport runAll() throws InterruptedException {
    for (Target target : targets) {
      for (PrunerConfig pruner : pruners) {
        progress.printf(
            "load: [%s] warm-up: %d requests with %s%n",
            target.label(), options.warmup, pruner.label());
        target.runner().warmUp(pruner, options.warmup);
      }
    }
    closedLoop();
    report.printClosedLoop(out);
    out.flush();
    if (options.cancelProbe > 0) {
      for (Target target : targets) {
        cancelProbe(target);
      }
      report.printCancelProbes(out);
      out.flush();
    }
    if (options.openLoopFraction > 0) {
      for (Target target : targets) {
        openLoop(target);
      }
      report.printOpenLoop(out);
      out.flush();
    }
    if (options.soak > 0) {
      for (Target target : targets) {
        String what =
            String.format(
                "[%s] soak %s c=%d",
                target.label(), pruners.get(0).label(), LoadBench.SOAK_CONCURRENCY);
        List<LoadRunner.RssSample> samples =
            target
                .runner()
                .soak(
                    pruners.get(0),
                    options.soak,
                    LoadBench.SOAK_CONCURRENCY,
                    LoadBench.SOAK_SAMPLE_EVERY,
                    what);
        report.addSoak(target.label(), SoakTrend.of(samples, options.soak));
        requireAlive(target);
      }
      report.printSoak(out);
      out.flush();
    }
    return report;
  }

  private void closedLoop() throws InterruptedException {
    for (int round = 1; round <= options.rounds; round++) {
      for (PrunerConfig pruner : pruners) {
        for (int concurrency : options.concurrency) {
          for (Target target : targets) {
            closedLoop(target, pruner, concurrency, round);
          }
        }
      }
    }
    consistency.forEach((label, captions) -> report.addConsistency(label, captions.mismatches()));
    if (targets.size() > 1) {
      CaptionConsistency first = consistency.get(targets.get(0).label());
      CaptionConsistency second = consistency.get(targets.get(1).label());
      if (first != null && second != null) {
        report.setCrossServer(
            first.pairs(),
            first.differencesFrom(second, targets.get(0).label(), targets.get(1).label()));
      }
    }
  }

  /** One closed-loop configuration in one round: runs it, records its figures and captions. */
  private void closedLoop(Target target, PrunerConfig pruner, int concurrency, int round)
      throws InterruptedException {
    String what =
        String.format(
            "[%s] closed loop %s c=%d%s",
            target.label(),
            pruner.label(),
            concurrency,
            options.rounds > 1 ? " round " + round + "/" + options.rounds : "");
    PrometheusText before = target.server().scrapeOrEmpty(progress);
    CpuUse.Mark cpuBefore = CpuUse.mark(before, target.server().javaPid());
    LoadRunner.Run run =
        target.runner().closedLoop(pruner, concurrency, options.requestsPerStream, what);
    PrometheusText after = target.server().scrapeOrEmpty(progress);
    CpuUse.Mark cpuAfter = CpuUse.mark(after, target.server().javaPid());
    requireAlive(target);
    LoadSummary summary =
        LoadSummary.of(
            run.results(), run.wallNanos(), EnginePhaseSplit.between(before, after).orElse(null));
    summary =
        summary.withCpu(
            CpuUse.between(cpuBefore, cpuAfter, run.wallNanos(), summary.ok()).orElse(null));
    report.addClosed(target.label(), pruner.label(), concurrency, round, summary);
    CaptionConsistency captions = consistency.get(target.label());
    for (CaptionProbe.Result result : run.results()) {
      if (result.ok() && captions != null) {
        captions.add(pruner.label(), concurrency, result.image(), result.text());
      }
    }
    progress.printf(
        Locale.ROOT,
        "load: %s: %.2f captions/s, TTFT p50 %.1f ms, errors %s%n",
        what,
        summary.captionsPerSecond(),
        summary.ttftP50Millis(),
        summary.errorsText());
  }

  /**
   * The cancellation probe: scrapes the release histogram, runs the probes beside the background
   * streams, then scrapes again until the histogram has counted every probe the client saw
   * cancelled or expired (a release can lag the client's status by a pruner step) or {@link
   * #SETTLE_NANOS} passed.
   */
  private void cancelProbe(Target target) throws InterruptedException {
    PrunerConfig background = pruners.get(0);
    PrunerConfig probe = options.cancelPrunerConfig();
    CancelSchedule.Range range = options.cancelRange();
    List<CancelSchedule.Probe> plan = CancelSchedule.plan(options.seed, options.cancelProbe, range);
    String what = String.format("[%s] cancellation probe %s", target.label(), probe.label());
    PrometheusText before = target.server().scrapeOrEmpty(progress);
    LoadRunner.CancelRun run =
        target
            .runner()
            .cancelProbe(background, LoadBench.CANCEL_BACKGROUND_STREAMS, probe, plan, what);
    requireAlive(target);
    int expected = CancelProbeSummary.cancelledOrExpired(run.outcomes());
    long settleEnd = System.nanoTime() + SETTLE_NANOS;
    HistogramDelta releases;
    while (true) {
      PrometheusText after = target.server().scrapeOrEmpty(progress);
      releases = HistogramDelta.between(before, after, CancelProbeSummary.HISTOGRAM).orElse(null);
      if (releases == null || releases.count() >= expected || System.nanoTime() > settleEnd) {
        break;
      }
      Thread.sleep(SETTLE_POLL_MILLIS);
    }
    report.addCancelProbe(
        new CancelProbeSummary(
            target.label(),
            probe.label(),
            background.label(),
            LoadBench.CANCEL_BACKGROUND_STREAMS,
            range,
            CancelProbeSummary.statusesOf(run.outcomes()),
            run.backgroundRequests(),
            run.backgroundFailed(),
            releases,
            releases != null && releases.count() >= expected));
  }

  private void openLoop(Target target) throws InterruptedException {
    PrunerConfig pruner = pruners.get(0);
    double best = 0;
    for (int concurrency : options.concurrency) {
      LoadSummary row = report.closed(target.label(), pruner.label(), concurrency);
      if (row != null && row.captionsPerSecond() > best) {
        best = row.captionsPerSecond();
      }
    }
    if (!(best > 0)) {
      progress.printf(
          "load: [%s] open loop skipped: no successful closed-loop caption%n", target.label());
      return;
    }
    double rate = options.openLoopFraction * best;
    long[] arrivals =
        PoissonSchedule.arrivalOffsetsNanos(options.seed, rate, options.openLoopSeconds);
    String what =
        String.format(
            Locale.ROOT, "[%s] open loop %s %.2f/s", target.label(), pruner.label(), rate);
    CpuUse.Mark before =
        CpuUse.mark(target.server().scrapeOrEmpty(progress), target.server().javaPid());
    LoadRunner.Run run = target.runner().openLoop(pruner, arrivals, what);
    CpuUse.Mark after =
        CpuUse.mark(target.server().scrapeOrEmpty(progress), target.server().javaPid());
    requireAlive(target);
    LoadSummary summary = LoadSummary.of(run.results(), run.wallNanos(), null);
    summary =
        summary.withCpu(CpuUse.between(before, after, run.wallNanos(), summary.ok()).orElse(null));
    int reference = report.referenceConcurrency();
    @Nullable LoadSummary closed = report.closed(target.label(), pruner.label(), reference);
    double ratio =
        closed == null
            ? Double.NaN
            : Percentiles.ratio(summary.ttftP50Millis(), closed.ttftP50Millis());
    report.addOpen(
        new LoadReport.OpenRow(
            target.label(),
            pruner.label(),
            rate,
            options.openLoopSeconds,
            summary,
            reference,
            ratio));
  }

  private static void requireAlive(Target target) {
    if (!target.server().isAlive()) {
      throw new IllegalStateException(
          "[" + target.label() + "] the server process died; see " + target.server().log());
    }
  }
}
