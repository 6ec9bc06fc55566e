package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * The figures of a group of requests (all of a run, or one pruner, keep ratio, arm, budget tier or
 * configuration): outcomes, goodput, and HdrHistogram percentiles of every latency. Latencies are
 * taken over the requests that finished OK; errors, deadlines and cancellations are counted (and
 * are never good), not timed.
 */
final class Figures {

  /** Percentiles of every latency, as JSON keys {@code p50} … {@code p99.9}, then {@code max}. */
  static final double[] PERCENTILES = {50, 90, 95, 99, 99.9};

  /** Highest trackable value: one hour in microseconds. */
  static final long HIGHEST_MICROS = 3_600_000_000L;

  private Figures() {}

  /** A histogram of milliseconds, recorded in microseconds with 3 significant digits. */
  static Histogram histogram(Collection<Double> millis) {
    Histogram histogram = new Histogram(HIGHEST_MICROS, 3);
    for (double value : millis) {
      histogram.recordValue(Math.max(0, Math.min(HIGHEST_MICROS, Math.round(value * 1000))));
    }
    return histogram;
  }

  /** The value at {@code percentile} in milliseconds, NaN for an empty histogram. */
  static double percentileMs(Histogram histogram, double percentile) {
    return histogram.getTotalCount() == 0
        ? Double.NaN
        : histogram.getValueAtPercentile(percentile) / 1000.0;
  }

  /** {@code {count, mean, p50, p90, p95, p99, p99.9, max}} in milliseconds. */
  static ObjectNode percentiles(Histogram histogram) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("count", histogram.getTotalCount());
    if (histogram.getTotalCount() == 0) {
      return node;
    }
    node.put("mean", round(histogram.getMean() / 1000.0));
    for (double percentile : PERCENTILES) {
      node.put(key(percentile), round(percentileMs(histogram, percentile)));
    }
    node.put("max", round(histogram.getMaxValue() / 1000.0));
    return node;
  }

  /** {@code p50}, {@code p99.9}. */
  static String key(double percentile) {
    return percentile == Math.rint(percentile)
        ? "p" + (long) percentile
        : "p" + String.valueOf(percentile);
  }

  /** {@code value} to three decimals; NaN and infinities stay what they are. */
  static double round(double value) {
    if (!Double.isFinite(value)) {
      return value;
    }
    return Math.round(value * 1000) / 1000.0;
  }

  /**
   * The figures of {@code records}, where the whole run offered {@code arrivalRate} per second over
   * {@code totalMeasured} measured requests (so this group's share of it is its goodput basis).
   */
  static ObjectNode of(List<RequestRecord> records, double arrivalRate, int totalMeasured) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    Map<String, Integer> outcomes = new TreeMap<>();
    Map<String, Integer> statuses = new TreeMap<>();
    for (String outcome :
        List.of(
            RequestRecord.OK,
            RequestRecord.CANCELLED,
            RequestRecord.DEADLINE,
            RequestRecord.ERROR)) {
      outcomes.put(outcome, 0);
    }
    int good = 0;
    for (RequestRecord record : records) {
      outcomes.merge(record.outcome(), 1, Integer::sum);
      statuses.merge(record.status(), 1, Integer::sum);
      good += record.isGood() ? 1 : 0;
    }
    int judged = records.size() - outcomes.getOrDefault(RequestRecord.CANCELLED, 0);
    node.put("requests", records.size());
    outcomes.forEach(node.putObject("outcomes")::put);
    statuses.forEach(node.putObject("statuses")::put);
    node.put("good", good);
    node.put("good_share", judged == 0 ? Double.NaN : round((double) good / judged));
    double share = totalMeasured == 0 ? 0 : records.size() / (double) totalMeasured;
    node.put("arrival_rate", round(arrivalRate * share));
    node.put(
        "goodput_rps",
        records.isEmpty() ? 0 : round(arrivalRate * share * good / (double) records.size()));
    List<RequestRecord> ok = records.stream().filter(RequestRecord::ok).toList();
    latencyPair(node, "ttft_ms", ok, RequestRecord::ttftMs, RequestRecord::ttftSentMs);
    latencyPair(node, "tfm_ms", ok, RequestRecord::tfmMs, RequestRecord::tfmSentMs);
    latencyPair(node, "e2e_ms", ok, record -> record.e2eMs(), record -> record.e2eSentMs());
    node.set(
        "itl_ms",
        percentiles(histogram(ok.stream().flatMap(record -> record.itlMs().stream()).toList())));
    node.set("tpot_ms", percentiles(values(ok, RequestRecord::tpotMs)));
    node.set("server_queue_ms", percentiles(values(ok, record -> record.server().queueMs())));
    node.set("server_prefill_ms", percentiles(values(ok, record -> record.server().prefillMs())));
    node.set("server_ttft_ms", percentiles(values(ok, record -> record.server().ttftMs())));
    node.put("tokens", ok.stream().mapToInt(RequestRecord::tokens).sum());
    node.put("phrases", ok.stream().mapToInt(RequestRecord::phrases).sum());
    node.put("mean_flops_ratio", mean(ok, record -> record.server().flopsRatio()));
    node.put(
        "mean_visual_tokens_kept",
        mean(
            ok,
            record ->
                record.server().visualTokensKept() == null
                    ? null
                    : record.server().visualTokensKept().doubleValue()));
    budgets(node, records);
    return node;
  }

  private static void latencyPair(
      ObjectNode node,
      String name,
      List<RequestRecord> records,
      Function<RequestRecord, @Nullable Double> corrected,
      Function<RequestRecord, @Nullable Double> sent) {
    ObjectNode pair = node.putObject(name);
    pair.set("corrected", percentiles(values(records, corrected)));
    pair.set("sent", percentiles(values(records, sent)));
  }

  private static Histogram values(
      List<RequestRecord> records, Function<RequestRecord, @Nullable Double> value) {
    return histogram(
        records.stream()
            .map(value)
            .filter(v -> v != null && !v.isNaN())
            .map(v -> v == null ? 0.0 : v)
            .toList());
  }

  private static double mean(
      List<RequestRecord> records, Function<RequestRecord, @Nullable Double> value) {
    return round(
        records.stream()
            .map(value)
            .filter(v -> v != null)
            .mapToDouble(v -> v == null ? 0 : v)
            .average()
            .orElse(Double.NaN));
  }

  private static void budgets(ObjectNode node, List<RequestRecord> records) {
    Map<String, Integer> decisions = new TreeMap<>();
    Map<String, Integer> outcomes = new TreeMap<>();
    for (RequestRecord record : records) {
      if (record.server().budgetDecision() != null) {
        decisions.merge(record.server().budgetDecision(), 1, Integer::sum);
      }
      if (record.server().budgetOutcome() != null) {
        outcomes.merge(record.server().budgetOutcome(), 1, Integer::sum);
      }
    }
    if (!decisions.isEmpty() || !outcomes.isEmpty()) {
      ObjectNode budget = node.putObject("budget");
      decisions.forEach(budget.putObject("decisions")::put);
      outcomes.forEach(budget.putObject("outcomes")::put);
    }
  }
}
