package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * {@code --runs N}: the key figures of each run (from its summary.json) with their mean and 95%
 * Student-t confidence interval across runs (runs are independent repetitions; with a handful of
 * them a bootstrap percentile interval would be far too narrow).
 */
final class RepeatedRuns {

  /** Figure name → path in a run's summary. */
  static final Map<String, String[]> FIGURES = figures();

  private RepeatedRuns() {}

  private static Map<String, String[]> figures() {
    Map<String, String[]> figures = new LinkedHashMap<>();
    figures.put("achieved_rate", new String[] {"run", "achieved_rate"});
    figures.put("goodput_rps", new String[] {"overall", "goodput_rps"});
    figures.put("good_share", new String[] {"overall", "good_share"});
    figures.put("ttft_p50_ms", new String[] {"overall", "ttft_ms", "corrected", "p50"});
    figures.put("ttft_p99_ms", new String[] {"overall", "ttft_ms", "corrected", "p99"});
    figures.put("ttft_sent_p99_ms", new String[] {"overall", "ttft_ms", "sent", "p99"});
    figures.put("itl_p50_ms", new String[] {"overall", "itl_ms", "p50"});
    figures.put("itl_p95_ms", new String[] {"overall", "itl_ms", "p95"});
    figures.put("e2e_p50_ms", new String[] {"overall", "e2e_ms", "corrected", "p50"});
    figures.put("e2e_p99_ms", new String[] {"overall", "e2e_ms", "corrected", "p99"});
    figures.put("client_cpu_s", new String[] {"run", "client_cpu_s"});
    figures.put("max_rate", new String[] {"capacity", "max_rate"});
    return figures;
  }

  /** Mean and interval of every figure over {@code summaries}; figures no run has are left out. */
  static ObjectNode aggregate(List<JsonNode> summaries) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("runs", summaries.size());
    node.put("confidence", 0.95);
    for (Map.Entry<String, String[]> figure : FIGURES.entrySet()) {
      double[] values = new double[summaries.size()];
      boolean any = false;
      for (int i = 0; i < summaries.size(); i++) {
        JsonNode value = summaries.get(i);
        for (String key : figure.getValue()) {
          value = value.path(key);
        }
        values[i] = value.isNumber() ? value.asDouble() : Double.NaN;
        any |= value.isNumber();
      }
      if (!any) {
        continue;
      }
      double[] interval = interval(values);
      ObjectNode item = node.putObject(figure.getKey());
      item.put("mean", Figures.round(interval[0]));
      item.put("low", Figures.round(interval[1]));
      item.put("high", Figures.round(interval[2]));
      var each = item.putArray("values");
      for (double value : values) {
        each.add(Figures.round(value));
      }
    }
    return node;
  }

  /** {@code {mean, low, high}} of the finite values; low = high = mean for a single value. */
  static double[] interval(double[] values) {
    double[] finite = java.util.Arrays.stream(values).filter(Double::isFinite).toArray();
    int n = finite.length;
    if (n == 0) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN};
    }
    double mean = java.util.Arrays.stream(finite).average().orElse(Double.NaN);
    if (n == 1) {
      return new double[] {mean, Double.NaN, Double.NaN};
    }
    double squares = 0;
    for (double value : finite) {
      squares += (value - mean) * (value - mean);
    }
    double standardError = Math.sqrt(squares / (n - 1) / n);
    double t = new TDistribution(n - 1).inverseCumulativeProbability(0.975);
    return new double[] {mean, mean - t * standardError, mean + t * standardError};
  }
}
