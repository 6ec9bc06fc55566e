package io.gcgserve.eval.bench;

import io.gcgserve.eval.bench.LoadRunner.CancelOutcome;
import io.grpc.Status;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * The cancellation probe on one server: what the client saw for each probe, and what the server's
 * {@value #HISTOGRAM} histogram counted between a scrape before the probes and one after them.
 *
 * @param server the server's label
 * @param pruner the probes' pruner configuration
 * @param background the background streams' pruner configuration
 * @param backgroundStreams how many background streams ran
 * @param range the range the deadline or cancel times were drawn from
 * @param statuses per mode label, the client's final status codes and how often each was seen
 * @param backgroundRequests background requests that ended during the probe
 * @param backgroundFailed of those, how many did not end OK
 * @param releases the histogram's delta, null when the server does not export it
 * @param settled whether the histogram counted as many releases as probes cancelled or expired
 */
@NullMarked
record CancelProbeSummary(
    String server,
    String pruner,
    String background,
    int backgroundStreams,
    CancelSchedule.Range range,
    Map<String, Map<String, Integer>> statuses,
    int backgroundRequests,
    int backgroundFailed,
    @Nullable HistogramDelta releases,
    boolean settled) {

  /** The server's histogram of cancel-to-release times. */
  static final String HISTOGRAM = "gcg_cancellation_release_seconds";

  /** The goal's bound, seconds. */
  static final double GOAL_SECONDS = 0.1;

  /** A tighter bound reported alongside, seconds. */
  static final double TIGHT_SECONDS = 0.05;

  /** The client's status codes per mode, modes in plan order, codes by name. */
  static Map<String, Map<String, Integer>> statusesOf(List<CancelOutcome> outcomes) {
    Map<String, Map<String, Integer>> statuses = new LinkedHashMap<>();
    for (CancelSchedule.Mode mode : CancelSchedule.Mode.values()) {
      Map<String, Integer> codes = new TreeMap<>();
      for (CancelOutcome outcome : outcomes) {
        if (outcome.probe().mode() == mode) {
          codes.merge(outcome.result().code().name(), 1, Integer::sum);
        }
      }
      if (!codes.isEmpty()) {
        statuses.put(mode.label(), codes);
      }
    }
    return statuses;
  }

  /**
   * Probes the client saw end CANCELLED or DEADLINE_EXCEEDED: each should be one release in the
   * histogram (a probe refused at admission, e.g. RESOURCE_EXHAUSTED, never held a place).
   */
  static int cancelledOrExpired(List<CancelOutcome> outcomes) {
    return (int)
        outcomes.stream()
            .map(outcome -> outcome.result().code())
            .filter(code -> code == Status.Code.CANCELLED || code == Status.Code.DEADLINE_EXCEEDED)
            .count();
  }

  /** Probes sent. */
  int probes() {
    return statuses.values().stream()
        .flatMap(codes -> codes.values().stream())
        .mapToInt(Integer::intValue)
        .sum();
  }

  /** The report lines. */
  void print(PrintStream out) {
    out.println();
    out.printf(
        Locale.ROOT,
        "Cancellation probe [%s] %s, times drawn from %s ms, while %d streams of %s run:"
            + " %d probes sent%n",
        server,
        pruner,
        range,
        backgroundStreams,
        background,
        probes());
    statuses.forEach(
        (mode, codes) -> {
          List<String> parts = new ArrayList<>();
          codes.forEach((code, count) -> parts.add(code + " x" + count));
          out.printf("  client statuses, %s: %s%n", mode, String.join(", ", parts));
        });
    out.printf(
        "  background: %d requests ended, %d not OK%n", backgroundRequests, backgroundFailed);
    HistogramDelta delta = releases;
    if (delta == null) {
      out.printf("  release: n/a (server exports no %s)%n", HISTOGRAM);
      return;
    }
    out.printf(
        Locale.ROOT,
        "  release (%s): %.0f counted%s; within 100 ms %s, within 50 ms %s;"
            + " largest non-empty bucket le=%s; mean %.1f ms%n",
        HISTOGRAM,
        delta.count(),
        settled ? "" : " (fewer than the probes cancelled or expired, after waiting)",
        percent(delta.shareAtMost(GOAL_SECONDS)),
        percent(delta.shareAtMost(TIGHT_SECONDS)),
        bound(delta.largestNonEmptyBound()),
        1000 * delta.mean());
  }

  /** The figures as a JSON-ready map. */
  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("server", server);
    json.put("pruner", pruner);
    json.put("background_pruner", background);
    json.put("background_streams", backgroundStreams);
    json.put("time_range_ms", List.of(range.lowMillis(), range.highMillis()));
    json.put("probes", probes());
    json.put("client_statuses", statuses);
    json.put("background_requests", backgroundRequests);
    json.put("background_not_ok", backgroundFailed);
    HistogramDelta delta = releases;
    if (delta != null) {
      Map<String, Object> release = new LinkedHashMap<>();
      release.put("count", delta.count());
      release.put("settled", settled);
      release.put("share_within_100ms", delta.shareAtMost(GOAL_SECONDS));
      release.put("share_within_50ms", delta.shareAtMost(TIGHT_SECONDS));
      release.put("largest_nonempty_bucket_le", bound(delta.largestNonEmptyBound()));
      release.put("mean_ms", 1000 * delta.mean());
      Map<String, Double> cumulative = new LinkedHashMap<>();
      delta.cumulative().forEach((le, count) -> cumulative.put(bound(le), count));
      release.put("cumulative_buckets", cumulative);
      json.put("release", release);
    }
    return json;
  }

  private static String percent(double share) {
    return Double.isNaN(share) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }

  /** A bucket bound as Prometheus writes it: {@code +Inf}, or the number. */
  static String bound(double le) {
    if (Double.isNaN(le)) {
      return "n/a";
    }
    return Double.isInfinite(le) ? "+Inf" : String.format(Locale.ROOT, "%s", le);
  }
}
