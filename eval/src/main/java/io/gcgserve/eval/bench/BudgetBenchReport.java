package io.gcgserve.eval.bench;

import com.google.gson.GsonBuilder;
import io.gcgserve.eval.ab.ArmSample;
import io.gcgserve.eval.ab.Comparison;
import io.gcgserve.eval.ab.QualityFigures;
import io.gcgserve.eval.ab.QualityScoring;
import io.gcgserve.eval.bench.BudgetBench.Config;
import io.gcgserve.server.accesslog.AccessLogEntry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * The figures of {@code gcg-bench budgets}: per configuration and rate what clients saw (TTFT from
 * each request's intended arrival, so a server that falls behind is charged for it), and from the
 * servers' access logs the budget's choices, its prediction error and the quality at the last rate.
 * Writes {@code budgets.md}, {@code summary.json} and {@code ttft-vs-rate.png}.
 */
@NullMarked
final class BudgetBenchReport {

  /** Bootstrap resamples of the quality intervals. */
  static final int RESAMPLES = 2000;

  /**
   * What clients saw in one open-loop phase.
   *
   * @param rate target arrivals per second
   * @param achieved requests over the arrival window
   * @param requests sent
   * @param ok ended OK
   * @param ttftP50 client TTFT p50 over OK requests, ms from the intended arrival
   * @param ttftP90 the same at p90
   * @param missShare requests not OK or later than the budget, over all sent
   * @param latencyP50 the whole caption's p50 over OK requests, ms from the intended arrival
   * @param longestGapP90 each OK request's longest wait between two text deltas, p90, ms: what a
   *     request waits for a decode row after its first token, when it was prefilled ahead
   */
  record Phase(
      double rate,
      double achieved,
      int requests,
      int ok,
      double ttftP50,
      double ttftP90,
      double missShare,
      double latencyP50,
      double longestGapP90) {

    static Phase of(double rate, double seconds, LoadRunner.Run run, double budget) {
      List<Double> ttft = new ArrayList<>();
      List<Double> latency = new ArrayList<>();
      List<Double> longestGap = new ArrayList<>();
      int misses = 0;
      for (CaptionProbe.Result result : run.results()) {
        if (result.ok()) {
          ttft.add(result.ttftMillis());
          latency.add(result.latencyMillis());
          longestGap.add(Arrays.stream(result.interTokenNanos()).max().orElse(0) / 1e6);
        }
        if (!result.ok() || !(result.ttftMillis() <= budget)) {
          misses++;
        }
      }
      int n = run.results().size();
      return new Phase(
          rate,
          n / seconds,
          n,
          ttft.size(),
          Percentiles.percentile(ttft, 50),
          Percentiles.percentile(ttft, 90),
          n == 0 ? Double.NaN : (double) misses / n,
          Percentiles.percentile(latency, 50),
          Percentiles.percentile(longestGap, 90));
    }
  }

  /**
   * What the budgeted server's log says of one phase.
   *
   * @param meanKeepRatio mean keep ratio the budget chose, over OK requests
   * @param bestEffort share of requests for which nothing was predicted to fit
   * @param metShare share of OK requests whose server-side TTFT met the budget
   * @param errorP50 server TTFT minus predicted, p50, ms
   * @param absErrorP90 its absolute value's p90, ms
   */
  record Choices(
      double meanKeepRatio,
      double bestEffort,
      double metShare,
      double errorP50,
      double absErrorP90) {

    static Choices of(List<AccessLogEntry> entries) {
      List<Double> keep = new ArrayList<>();
      List<Double> error = new ArrayList<>();
      List<Double> absError = new ArrayList<>();
      int bestEffort = 0;
      int met = 0;
      for (AccessLogEntry entry : entries) {
        AccessLogEntry.BudgetEntry budget = entry.budget();
        if (budget == null || !ArmSample.OK.equals(entry.status())) {
          continue;
        }
        keep.add(budget.keepRatio() == null ? Double.NaN : budget.keepRatio());
        if (Boolean.TRUE.equals(budget.bestEffort())) {
          bestEffort++;
        }
        if ("met".equals(budget.outcome())) {
          met++;
        }
        Double ttft = entry.ttftMs();
        Double predicted = budget.predictedTtftMs();
        if (ttft != null && predicted != null) {
          error.add(ttft - predicted);
          absError.add(Math.abs(ttft - predicted));
        }
      }
      int n = keep.size();
      return new Choices(
          keep.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN),
          n == 0 ? Double.NaN : (double) bestEffort / n,
          n == 0 ? Double.NaN : (double) met / n,
          Percentiles.percentile(error, 50),
          Percentiles.percentile(absError, 90));
    }
  }

  private final Path groundTruth;
  private final Path out;
  private final PrintStream progress;
  private final Map<Config, List<Phase>> phases = new EnumMap<>(Config.class);
  private final Map<Config, List<Choices>> choices = new EnumMap<>(Config.class);
  private final Map<Config, List<QualityFigures>> quality = new EnumMap<>(Config.class);
  private @Nullable QualityScoring scoring;
  private double singleStreamP50 = Double.NaN;
  private double budgetMillis;

  BudgetBenchReport(Path groundTruth, Path out, PrintStream progress) {
    this.groundTruth = groundTruth;
    this.out = out;
    this.progress = progress;
  }

  void budget(double singleStreamP50, double budgetMillis) {
    this.singleStreamP50 = singleStreamP50;
    this.budgetMillis = budgetMillis;
  }

  double budgetMillis() {
    return budgetMillis;
  }

  void add(Config config, Phase phase) {
    phases.computeIfAbsent(config, c -> new ArrayList<>()).add(phase);
    progress.printf(
        Locale.ROOT,
        "budgets: %s at %.2f/s: %d requests, %d OK, TTFT p50 %.0f ms, %.1f%% miss the budget%n",
        config.label,
        phase.rate(),
        phase.requests(),
        phase.ok(),
        phase.ttftP50(),
        100 * phase.missShare());
  }

  /**
   * Reads a stopped server's log and splits it into its phases: the lines before them (warm-up,
   * single stream) come first, then each phase's, as they ended.
   */
  void log(Config config, Path log, int requests) throws IOException {
    List<AccessLogEntry> entries = BudgetBench.readLog(log, requests);
    List<Phase> done = phases.getOrDefault(config, List.of());
    int end = entries.size();
    List<List<AccessLogEntry>> perPhase = new ArrayList<>();
    for (int i = done.size() - 1; i >= 0; i--) {
      int start = end - done.get(i).requests();
      perPhase.add(0, entries.subList(start, end));
      end = start;
    }
    choices.put(config, perPhase.stream().map(Choices::of).toList());
    QualityScoring scoring = scoring();
    List<QualityFigures> figures = new ArrayList<>();
    for (List<AccessLogEntry> phase : perPhase) {
      figures.add(scoring.score(new ArmSample(config.label, phase), RESAMPLES, 1));
    }
    quality.put(config, figures);
  }

  /** The ground truth, opened (its images hashed) once for every configuration. */
  private QualityScoring scoring() throws IOException {
    QualityScoring opened = scoring;
    if (opened == null) {
      opened = QualityScoring.open(groundTruth, progress::println);
      scoring = opened;
    }
    return opened;
  }

  void write() throws IOException {
    BudgetBench.writeText(out.resolve("budgets.md"), markdown());
    BudgetChart.write(phases, budgetMillis, out.resolve("ttft-vs-rate.png"));
    Map<String, Object> tree = new LinkedHashMap<>();
    tree.put("schema", 1);
    tree.put("single_stream_ttft_p50_ms", singleStreamP50);
    tree.put("budget_ms", budgetMillis);
    tree.put("comparison_rate_index", comparisonIndex());
    Map<String, Object> configs = new LinkedHashMap<>();
    for (Config config : Config.values()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("phases", phases.getOrDefault(config, List.of()));
      entry.put("budget_choices", choices.getOrDefault(config, List.of()));
      entry.put(
          "quality_ap50_miou_recall",
          quality.getOrDefault(config, List.of()).stream().map(QualityFigures::values).toList());
      configs.put(config.name().toLowerCase(Locale.ROOT), entry);
    }
    tree.put("configs", configs);
    String json =
        new GsonBuilder()
            .setPrettyPrinting()
            .serializeSpecialFloatingPointValues()
            .create()
            .toJson(tree);
    BudgetBench.writeText(out.resolve("summary.json"), json + "\n");
    progress.println("budgets: wrote " + out.resolve("budgets.md"));
  }

  /**
   * The phase compared: unpruned's at the lowest rate with at least half missing, else at its
   * highest rate; -1 if none ran.
   */
  int comparisonIndex() {
    return comparisonIndex(phases.getOrDefault(Config.UNPRUNED, List.of()));
  }

  static int comparisonIndex(List<Phase> unpruned) {
    int lowestMissing = -1;
    int highest = -1;
    for (int i = 0; i < unpruned.size(); i++) {
      Phase phase = unpruned.get(i);
      if (phase.missShare() >= RateSearch.HALF
          && (lowestMissing < 0 || phase.rate() < unpruned.get(lowestMissing).rate())) {
        lowestMissing = i;
      }
      if (highest < 0 || phase.rate() > unpruned.get(highest).rate()) {
        highest = i;
      }
    }
    return lowestMissing >= 0 ? lowestMissing : highest;
  }

  private @Nullable QualityFigures qualityAt(Config config, int index) {
    List<QualityFigures> figures = quality.getOrDefault(config, List.of());
    return index < figures.size() ? figures.get(index) : null;
  }

  private static final String PHASE_TABLE_HEADER =
      "| configuration | rate /s | achieved /s | requests | OK | TTFT p50 ms | TTFT p90 ms"
          + " | caption p50 ms | longest gap p90 ms"
          + " | miss the budget | mean keep | best effort | server met | error p50 ms"
          + " | abs error p90 ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
          + "---:|---:|---:|\n";

  private String markdown() {
    StringBuilder md = new StringBuilder("# TTFT budgets under load\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Single-stream TTFT p50 (unpruned, from the intended send): %.1f ms; budget: %.1f ms."
                + " TTFT is measured by the client from each request's intended arrival.%n%n",
            singleStreamP50,
            budgetMillis));
    md.append(PHASE_TABLE_HEADER);
    for (Config config : Config.values()) {
      List<Phase> list = phases.getOrDefault(config, List.of());
      List<Choices> chosen = choices.getOrDefault(config, List.of());
      for (int i = 0; i < list.size(); i++) {
        Phase p = list.get(i);
        Choices c = i < chosen.size() && config == Config.BUDGETED ? chosen.get(i) : null;
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %.2f | %.2f | %d | %d | %.0f | %.0f | %.0f | %.0f | %.1f%% | %s | %s | %s | %s"
                    + " | %s |%n",
                config.label,
                p.rate(),
                p.achieved(),
                p.requests(),
                p.ok(),
                p.ttftP50(),
                p.ttftP90(),
                p.latencyP50(),
                p.longestGapP90(),
                100 * p.missShare(),
                c == null ? "" : String.format(Locale.ROOT, "%.3f", c.meanKeepRatio()),
                c == null ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * c.bestEffort()),
                c == null ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * c.metShare()),
                c == null ? "" : String.format(Locale.ROOT, "%+.0f", c.errorP50()),
                c == null ? "" : String.format(Locale.ROOT, "%.0f", c.absErrorP90())));
      }
    }
    int at = comparisonIndex();
    md.append("\n## Quality per rate (").append(groundTruth).append(")\n\n");
    md.append(
        "| configuration | rate /s | images | AP50 | mIoU | recall |\n|---|---:|---:|---|---|---|\n");
    for (Config config : Config.values()) {
      List<QualityFigures> figures = quality.getOrDefault(config, List.of());
      List<Phase> list = phases.getOrDefault(config, List.of());
      for (int i = 0; i < figures.size() && i < list.size(); i++) {
        QualityFigures q = figures.get(i);
        md.append(
            String.format(
                Locale.ROOT, "| %s | %.2f | %d", config.label, list.get(i).rate(), q.images()));
        for (int m = 0; m < 3; m++) {
          double[] ci = q.interval(m);
          md.append(String.format(Locale.ROOT, " | %.1f (%.1f–%.1f)", q.values()[m], ci[0], ci[1]));
        }
        md.append(" |\n");
      }
    }
    QualityFigures reference = at < 0 ? null : qualityAt(Config.UNPRUNED, at);
    if (reference != null) {
      md.append(
          String.format(
              Locale.ROOT,
              "%nAt %.2f/s, the lowest rate at which unpruned serving missed the budget for at least"
                  + " half its requests (else the highest), against unpruned, 95%% bootstrap intervals"
                  + " over images:%n%n",
              phases.getOrDefault(Config.UNPRUNED, List.of()).get(at).rate()));
      for (Config config : new Config[] {Config.ALTP25, Config.BUDGETED}) {
        QualityFigures q = qualityAt(config, at);
        if (q != null) {
          for (Comparison comparison : q.against(reference)) {
            md.append("- ").append(comparison.verdict()).append('\n');
          }
        }
      }
    }
    md.append("\n![TTFT p50 against arrival rate](ttft-vs-rate.png)\n");
    return md.toString();
  }
}
