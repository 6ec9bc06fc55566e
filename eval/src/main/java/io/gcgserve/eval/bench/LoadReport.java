package io.gcgserve.eval.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * The load benchmark's figures: collected as the phases run, printed to stdout as tables and ratio
 * lines, and turned into one JSON tree.
 *
 * <p>With several rounds ({@code --rounds}), every closed-loop configuration runs once per round. A
 * ratio is taken within each round, between configurations that ran minutes apart, and the median
 * of the rounds' ratios is reported with each round's; where one configuration's figures stand for
 * all rounds (the open loop's rate and reference), they are those of its median round by
 * captions/s.
 */
@NullMarked
final class LoadReport {

  /** One closed-loop configuration on one server in one round (1-based). */
  record ClosedRow(String server, String pruner, int concurrency, int round, LoadSummary summary) {

    /** Whether this row is configuration ({@code server}, {@code pruner}, {@code concurrency}). */
    boolean is(String server, String pruner, int concurrency) {
      return this.server.equals(server)
          && this.pruner.equals(pruner)
          && this.concurrency == concurrency;
    }
  }

  /** The open loop on one server. */
  record OpenRow(
      String server,
      String pruner,
      double ratePerSecond,
      double windowSeconds,
      LoadSummary summary,
      int referenceConcurrency,
      double ttftP50Ratio) {}

  private static final String HEADER =
      "%-9s %-24s %3s %5s %5s %5s %8s %8s %9s %9s %8s %9s %9s  %s%n";
  private static final String ROW =
      "%-9s %-24s %3d %5d %5d %5d %8.2f %8.1f %9.1f %9.1f %8.2f %9.1f %9.1f  %s%n";

  private final List<String> servers;
  private final List<String> pruners;
  private final List<Integer> concurrencies;
  private final List<ClosedRow> closed = new ArrayList<>();
  private final Map<String, List<String>> consistency = new LinkedHashMap<>();
  private final List<OpenRow> open = new ArrayList<>();
  private final Map<String, SoakTrend> soaks = new LinkedHashMap<>();
  private final List<CancelProbeSummary> cancelProbes = new ArrayList<>();
  private int crossServerPairs;
  private @Nullable List<String> crossServerDifferences;

  LoadReport(List<String> servers, List<String> pruners, List<Integer> concurrencies) {
    this.servers = List.copyOf(servers);
    this.pruners = List.copyOf(pruners);
    this.concurrencies = List.copyOf(concurrencies);
  }

  void addClosed(String server, String pruner, int concurrency, int round, LoadSummary summary) {
    if (round < 1) {
      throw new IllegalArgumentException("rounds count from 1, got " + round);
    }
    closed.add(new ClosedRow(server, pruner, concurrency, round, summary));
  }

  /** How many rounds the closed loop recorded: the highest round of any row. */
  int rounds() {
    return closed.stream().mapToInt(ClosedRow::round).max().orElse(0);
  }

  /** Records a server's consistency check: the mismatch lines, empty when every caption agreed. */
  void addConsistency(String server, List<String> mismatches) {
    consistency.put(server, List.copyOf(mismatches));
  }

  /** Records the comparison of the two servers' captions over {@code pairs} (image, pruner). */
  void setCrossServer(int pairs, List<String> differences) {
    crossServerPairs = pairs;
    crossServerDifferences = List.copyOf(differences);
  }

  void addOpen(OpenRow row) {
    open.add(row);
  }

  void addCancelProbe(CancelProbeSummary summary) {
    cancelProbes.add(summary);
  }

  /** The cancellation probe's lines, per server. */
  void printCancelProbes(PrintStream out) {
    cancelProbes.forEach(summary -> summary.print(out));
  }

  void addSoak(String server, SoakTrend trend) {
    soaks.put(server, trend);
  }

  /**
   * A configuration's figures over every round: those of its median round by captions/s (the lower
   * of the two middle ones for an even count), or null when it did not run.
   */
  @Nullable LoadSummary closed(String server, String pruner, int concurrency) {
    List<LoadSummary> rows = new ArrayList<>();
    for (ClosedRow row : closed) {
      if (row.is(server, pruner, concurrency)) {
        rows.add(row.summary());
      }
    }
    if (rows.isEmpty()) {
      return null;
    }
    rows.sort(Comparator.comparingDouble(LoadSummary::captionsPerSecond));
    return rows.get((rows.size() - 1) / 2);
  }

  /** A configuration's figures in one round, or null when it did not run in that round. */
  @Nullable LoadSummary closed(String server, String pruner, int concurrency, int round) {
    for (ClosedRow row : closed) {
      if (row.is(server, pruner, concurrency) && row.round() == round) {
        return row.summary();
      }
    }
    return null;
  }

  /**
   * The captions/s ratio of configuration {@code a} over {@code b} within each round in which both
   * ran, as "2.41x", with each round's ratio after the median when there are several; {@code a}'s
   * captions/s are read by {@code measureA} (measured, or at full use of the cores).
   */
  private @Nullable String captionsRatio(
      ToDoubleFunction<LoadSummary> measureA,
      String serverA,
      String prunerA,
      int concurrencyA,
      String serverB,
      String prunerB,
      int concurrencyB) {
    List<Double> ratios = new ArrayList<>();
    int rounds = rounds();
    for (int round = 1; round <= rounds; round++) {
      LoadSummary a = closed(serverA, prunerA, concurrencyA, round);
      LoadSummary b = closed(serverB, prunerB, concurrencyB, round);
      if (a != null && b != null) {
        ratios.add(Percentiles.ratio(measureA.applyAsDouble(a), b.captionsPerSecond()));
      }
    }
    return RoundRatios.describe(ratios);
  }

  /** {@link CpuUse#fullUseCaptionsPerSecond} of a run, NaN when its CPU was not measured. */
  private static double fullUse(LoadSummary summary) {
    CpuUse cpu = summary.cpu();
    return cpu == null ? Double.NaN : cpu.fullUseCaptionsPerSecond();
  }

  /** The concurrency ratios are taken against: 1 when measured, else the smallest. */
  int referenceConcurrency() {
    return concurrencies.contains(1)
        ? 1
        : concurrencies.stream().mapToInt(Integer::intValue).min().orElseThrow();
  }

  /** The pruner ratios are taken against: {@code none} when measured, else the first. */
  String referencePruner() {
    return pruners.contains("none") ? "none" : pruners.get(0);
  }

  /** The closed-loop table, the engine split lines and every ratio. */
  void printClosedLoop(PrintStream out) {
    out.println("Closed loop (n = requests, ok = successful; latencies in ms over the ok ones)");
    out.printf(
        Locale.ROOT,
        HEADER,
        "server",
        "pruner",
        "c",
        "round",
        "n",
        "ok",
        "capt/s",
        "tok/s",
        "ttft p50",
        "ttft p90",
        "itl p50",
        "lat p50",
        "lat p90",
        "errors");
    for (ClosedRow row : closed) {
      LoadSummary s = row.summary();
      out.printf(
          Locale.ROOT,
          ROW,
          row.server(),
          row.pruner(),
          row.concurrency(),
          row.round(),
          s.requests(),
          s.ok(),
          s.captionsPerSecond(),
          s.tokensPerSecond(),
          s.ttftP50Millis(),
          s.ttftP90Millis(),
          s.interTokenP50Millis(),
          s.latencyP50Millis(),
          s.latencyP90Millis(),
          s.errorsText());
    }
    printPhaseSplitsAndCpu(out);
    printConcurrencyRatios(out);
    printPrunerRatios(out);
    printServerRatios(out);
    printConsistency(out);
    printCrossServer(out);
  }

  private void printPhaseSplitsAndCpu(PrintStream out) {
    out.println();
    boolean severalRounds = rounds() > 1;
    for (String server : servers) {
      List<ClosedRow> rows = closed.stream().filter(row -> row.server().equals(server)).toList();
      if (rows.stream().allMatch(row -> row.summary().phaseSplit() == null)) {
        out.printf("[%s] %s%n", server, EnginePhaseSplit.NOT_AVAILABLE);
        continue;
      }
      for (ClosedRow row : rows) {
        String what =
            String.format(
                "[%s] %s c=%d%s",
                server,
                row.pruner(),
                row.concurrency(),
                severalRounds ? " round " + row.round() : "");
        EnginePhaseSplit split = row.summary().phaseSplit();
        out.printf(
            "%s: %s%n", what, split == null ? EnginePhaseSplit.NOT_AVAILABLE : split.describe());
        CpuUse cpu = row.summary().cpu();
        out.printf("%s: %s%n", what, cpu == null ? CpuUse.NOT_AVAILABLE : cpu.describe());
      }
    }
  }

  private void printConcurrencyRatios(PrintStream out) {
    int reference = referenceConcurrency();
    out.println();
    out.printf("Throughput (captions/s) vs c=%d%s:%n", reference, roundsNote());
    for (String server : servers) {
      for (String pruner : pruners) {
        List<String> parts =
            concurrencyRatios(LoadSummary::captionsPerSecond, server, pruner, reference);
        out.printf(
            "  [%s] %s: %s%n", server, pruner, parts.isEmpty() ? "-" : String.join(", ", parts));
        List<String> ceilings =
            cpuMeasured(server, pruner)
                ? concurrencyRatios(LoadReport::fullUse, server, pruner, reference)
                : List.of();
        if (!ceilings.isEmpty()) {
          out.printf(
              "  [%s] %s, ceiling at full use of the cores: %s%n",
              server, pruner, String.join(", ", ceilings));
        }
      }
    }
  }

  /**
   * "c=8 2.41x" for each concurrency but {@code reference}: its captions/s as {@code measure} reads
   * them (measured, or at full use of the cores) over the reference's measured captions/s.
   */
  private List<String> concurrencyRatios(
      ToDoubleFunction<LoadSummary> measure, String server, String pruner, int reference) {
    List<String> parts = new ArrayList<>();
    for (int concurrency : concurrencies) {
      String ratio =
          concurrency == reference
              ? null
              : captionsRatio(measure, server, pruner, concurrency, server, pruner, reference);
      if (ratio != null) {
        parts.add("c=" + concurrency + " " + ratio);
      }
    }
    return parts;
  }

  /** Whether any closed-loop run of ({@code server}, {@code pruner}) measured its CPU. */
  private boolean cpuMeasured(String server, String pruner) {
    return closed.stream()
        .anyMatch(
            row ->
                row.server().equals(server)
                    && row.pruner().equals(pruner)
                    && row.summary().cpu() != null);
  }

  private void printPrunerRatios(PrintStream out) {
    String reference = referencePruner();
    if (pruners.size() < 2) {
      return;
    }
    out.printf(
        "Throughput (captions/s) vs pruner %s at the same concurrency%s:%n",
        reference, roundsNote());
    for (String server : servers) {
      for (String pruner : pruners) {
        if (pruner.equals(reference)) {
          continue;
        }
        List<String> parts = new ArrayList<>();
        for (int concurrency : concurrencies) {
          String ratio =
              captionsRatio(
                  LoadSummary::captionsPerSecond,
                  server,
                  pruner,
                  concurrency,
                  server,
                  reference,
                  concurrency);
          if (ratio != null) {
            parts.add("c=" + concurrency + " " + ratio);
          }
        }
        out.printf("  [%s] %s: %s%n", server, pruner, String.join(", ", parts));
      }
    }
  }

  private void printServerRatios(PrintStream out) {
    if (servers.size() < 2) {
      return;
    }
    String candidate = servers.get(0);
    String baseline = servers.get(1);
    out.printf(
        "%s / %s (captions/s ratio%s; TTFT p50 ratio; latency p50 ratio%s):%n",
        candidate, baseline, roundsNote(), rounds() > 1 ? ", of the median rounds" : "");
    for (String pruner : pruners) {
      for (int concurrency : concurrencies) {
        LoadSummary a = closed(candidate, pruner, concurrency);
        LoadSummary b = closed(baseline, pruner, concurrency);
        String captions =
            captionsRatio(
                LoadSummary::captionsPerSecond,
                candidate,
                pruner,
                concurrency,
                baseline,
                pruner,
                concurrency);
        if (a != null && b != null && captions != null) {
          out.printf(
              Locale.ROOT,
              "  %s c=%d: %s; %.2fx; %.2fx%n",
              pruner,
              concurrency,
              captions,
              Percentiles.ratio(a.ttftP50Millis(), b.ttftP50Millis()),
              Percentiles.ratio(a.latencyP50Millis(), b.latencyP50Millis()));
        }
      }
    }
  }

  /** ", median of N rounds (each round's in brackets)" when there are several, else empty. */
  private String roundsNote() {
    int rounds = rounds();
    return rounds > 1 ? ", median of " + rounds + " rounds (each round's in brackets)" : "";
  }

  private void printCrossServer(PrintStream out) {
    List<String> differences = crossServerDifferences;
    if (differences == null || servers.size() < 2) {
      return;
    }
    if (differences.isEmpty()) {
      out.printf(
          "%s and %s captions identical for all %d (image, pruner) pairs%n",
          servers.get(0), servers.get(1), crossServerPairs);
    } else {
      out.printf(
          "%s and %s captions DIFFER for %d of %d (image, pruner) pairs:%n",
          servers.get(0), servers.get(1), differences.size(), crossServerPairs);
      differences.forEach(line -> out.println("  " + line));
    }
  }

  private void printConsistency(PrintStream out) {
    consistency.forEach(
        (server, mismatches) -> {
          if (mismatches.isEmpty()) {
            out.printf(
                "[%s] greedy captions identical across concurrencies for every (image, pruner)%n",
                server);
          } else {
            out.printf(
                "[%s] greedy captions DIFFER across concurrencies (%d (image, pruner) pairs):%n",
                server, mismatches.size());
            mismatches.forEach(line -> out.println("  " + line));
          }
        });
  }

  /** The open-loop lines. */
  void printOpenLoop(PrintStream out) {
    for (OpenRow row : open) {
      LoadSummary s = row.summary();
      out.println();
      out.printf(
          Locale.ROOT,
          "Open loop [%s] %s: Poisson arrivals at %.2f/s for %.1f s (last stream ended at %.1f s):"
              + " %d sent, %d ok, %.2f captions/s, errors %s%n",
          row.server(),
          row.pruner(),
          row.ratePerSecond(),
          row.windowSeconds(),
          s.wallSeconds(),
          s.requests(),
          s.ok(),
          s.captionsPerSecond(),
          s.errorsText());
      out.printf(
          Locale.ROOT,
          "  TTFT from scheduled arrival: p50 %.1f ms, p90 %.1f ms; p50 / closed-loop c=%d p50 ="
              + " %.2fx; latency p50 %.1f ms, p90 %.1f ms%n",
          s.ttftP50Millis(),
          s.ttftP90Millis(),
          row.referenceConcurrency(),
          row.ttftP50Ratio(),
          s.latencyP50Millis(),
          s.latencyP90Millis());
      CpuUse cpu = s.cpu();
      out.println("  " + (cpu == null ? CpuUse.NOT_AVAILABLE : cpu.describe()));
    }
  }

  /** The soak lines. */
  void printSoak(PrintStream out) {
    soaks.forEach((server, trend) -> trend.print(out, server));
  }

  /** Every figure, for {@code --json}. */
  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    List<Object> closedJson = new ArrayList<>();
    for (ClosedRow row : closed) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("server", row.server());
      entry.put("pruner", row.pruner());
      entry.put("concurrency", row.concurrency());
      entry.put("round", row.round());
      entry.putAll(row.summary().toJson());
      closedJson.add(entry);
    }
    json.put("closed_loop", closedJson);
    json.put("caption_mismatches", consistency);
    if (crossServerDifferences != null) {
      json.put("cross_server_caption_differences", crossServerDifferences);
    }
    List<Object> openJson = new ArrayList<>();
    for (OpenRow row : open) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("server", row.server());
      entry.put("pruner", row.pruner());
      entry.put("rate_per_second", row.ratePerSecond());
      entry.put("window_seconds", row.windowSeconds());
      entry.put("reference_concurrency", row.referenceConcurrency());
      entry.put("ttft_p50_ratio_to_closed_loop", row.ttftP50Ratio());
      entry.putAll(row.summary().toJson());
      openJson.add(entry);
    }
    json.put("cancel_probe", cancelProbes.stream().map(CancelProbeSummary::toJson).toList());
    json.put("open_loop", openJson);
    Map<String, Object> soakJson = new LinkedHashMap<>();
    soaks.forEach((server, trend) -> soakJson.put(server, trend.toJson()));
    json.put("soak", soakJson);
    return json;
  }
}
