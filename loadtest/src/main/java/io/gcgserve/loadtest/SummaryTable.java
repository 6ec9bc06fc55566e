package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The terminal summary: the run line, then one row per configuration and the total. */
final class SummaryTable {

  private SummaryTable() {}

  /** The table of {@code summary} as text. */
  static String render(JsonNode summary) {
    StringBuilder out = new StringBuilder();
    JsonNode run = summary.path("run");
    out.append(
        String.format(
            Locale.ROOT,
            "%s loop: target %s/s, achieved %.3f/s over %.1f s; %d sent, %d measured (warm-up"
                + " %.0f s); %d late sends; client CPU %.1f s (%.0f%% of one core); SLO %s%n",
            run.path("mode").asText(),
            run.path("target_rate").isNumber()
                ? String.format(Locale.ROOT, "%.3f", run.path("target_rate").asDouble())
                : "-",
            run.path("achieved_rate").asDouble(),
            run.path("window_s").asDouble(),
            run.path("requests_sent").asInt(),
            run.path("requests_measured").asInt(),
            run.path("warmup_s").asDouble(),
            run.path("late_sends").asInt(),
            run.path("client_cpu_s").asDouble(),
            100 * run.path("client_cpu_share_of_one_core").asDouble(),
            summary.path("slo").asText()));
    if (summary.has("capacity")) {
      out.append(
          "capacity search: the table pools every step of every search (different rates; its"
              + " rate and goodput columns are means over steps): the capacity is in"
              + " summary.json \"capacity\" and report.md\n");
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "config",
          "reqs",
          "ok/canc/dl/err",
          "good",
          "goodput/s",
          "TTFT p50",
          "TTFT p99",
          "p99 (sent)",
          "ITL p50",
          "ITL p95",
          "e2e p50",
          "e2e p99",
          "FLOPs"
        });
    for (Iterator<Map.Entry<String, JsonNode>> it = summary.path("by").path("config").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> group = it.next();
      rows.add(row(group.getKey(), group.getValue()));
    }
    rows.add(row("all", summary.path("overall")));
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        out.append(i == 0 ? pad(row[i], widths[i], true) : "  " + pad(row[i], widths[i], false));
      }
      out.append('\n');
    }
    out.append("latencies in ms from the intended send (coordinated-omission corrected) unless")
        .append(" marked (sent); over OK requests\n");
    return out.toString();
  }

  private static String[] row(String name, JsonNode group) {
    JsonNode outcomes = group.path("outcomes");
    return new String[] {
      name,
      group.path("requests").asText(),
      outcomes.path("ok").asInt()
          + "/"
          + outcomes.path("cancelled").asInt()
          + "/"
          + outcomes.path("deadline").asInt()
          + "/"
          + outcomes.path("error").asInt(),
      percent(group.path("good_share").asDouble(Double.NaN)),
      String.format(Locale.ROOT, "%.3f", group.path("goodput_rps").asDouble()),
      ms(group.path("ttft_ms").path("corrected").path("p50")),
      ms(group.path("ttft_ms").path("corrected").path("p99")),
      ms(group.path("ttft_ms").path("sent").path("p99")),
      ms(group.path("itl_ms").path("p50")),
      ms(group.path("itl_ms").path("p95")),
      ms(group.path("e2e_ms").path("corrected").path("p50")),
      ms(group.path("e2e_ms").path("corrected").path("p99")),
      group.path("mean_flops_ratio").isNumber()
              && !Double.isNaN(group.path("mean_flops_ratio").asDouble())
          ? percent(group.path("mean_flops_ratio").asDouble())
          : "-"
    };
  }

  private static String ms(JsonNode value) {
    return value.isNumber() ? String.format(Locale.ROOT, "%.1f", value.asDouble()) : "-";
  }

  private static String percent(double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * value);
  }

  private static String pad(String text, int width, boolean left) {
    String spaces = " ".repeat(Math.max(0, width - text.length()));
    return left ? text + spaces : spaces + text;
  }
}
