package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.md}: the summary as Markdown, for docs (plots linked by file name, so the file and
 * the PNGs move together): the run, the capacity search per configuration with the quality each was
 * bought at, and the load tester's own CPU.
 */
final class MarkdownReport {

  private MarkdownReport() {}

  static void write(Path directory, JsonNode summary, String table) throws IOException {
    StringBuilder md = new StringBuilder();
    JsonNode run = summary.path("run");
    md.append("# gcg-loadtest report\n\n")
        .append("Target `")
        .append(summary.path("target").asText())
        .append("`, SLO `")
        .append(summary.path("slo").asText())
        .append("`, summary schema `")
        .append(summary.path("schema").asText())
        .append("`.\n\n```\n")
        .append(table)
        .append("```\n\n");
    if (summary.has("capacity")) {
      capacity(md, summary);
    }
    md.append(
        String.format(
            Locale.ROOT,
            "Load tester's own CPU: %.1f s over %.1f s of wall time (%.1f%% of one core).%n%n",
            run.path("client_cpu_s").asDouble(),
            run.path("wall_s").asDouble(),
            100 * run.path("client_cpu_share_of_one_core").asDouble()));
    for (Map.Entry<String, String> plot : Charts.FILES.entrySet()) {
      md.append("![").append(plot.getValue()).append("](").append(plot.getKey()).append(")\n\n");
    }
    Files.writeString(directory.resolve("report.md"), md.toString());
  }

  private static void capacity(StringBuilder md, JsonNode summary) {
    md.append("## Capacity\n\n")
        .append("| configuration | max rate (req/s) | steps: rate → good share | TTFT p50 / p99 at")
        .append(" max rate (ms) | FLOPs | AP50 | mIoU | recall |\n")
        .append("|---|---:|---|---|---:|---|---|---|\n");
    for (Iterator<Map.Entry<String, JsonNode>> it = summary.path("capacity").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> search = it.next();
      double max = search.getValue().path("max_rate").asDouble();
      StringBuilder steps = new StringBuilder();
      String atMax = "–";
      for (JsonNode step : search.getValue().path("steps")) {
        steps.append(
            String.format(
                Locale.ROOT,
                "%s%.2f → %.0f%%%s",
                steps.length() == 0 ? "" : ", ",
                step.path("rate").asDouble(),
                100 * step.path("good_share").asDouble(),
                step.path("pass").asBoolean()
                    ? ""
                    : step.path("stable").asBoolean() ? " ✗" : " ✗u"));
        if (step.path("pass").asBoolean() && step.path("rate").asDouble() == max) {
          atMax =
              String.format(
                  Locale.ROOT,
                  "%.0f / %.0f",
                  step.path("ttft_p50_ms").asDouble(),
                  step.path("ttft_p99_ms").asDouble());
        }
      }
      JsonNode config = summary.path("by").path("config").path(search.getKey());
      JsonNode quality = summary.path("quality").path("by_config").path(search.getKey());
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f | %s | %s | %.0f%% | %s | %s | %s |%n",
              search.getKey(),
              max,
              steps,
              atMax,
              100 * config.path("mean_flops_ratio").asDouble(Double.NaN),
              interval(quality.path("ap50")),
              interval(quality.path("miou")),
              interval(quality.path("recall"))));
    }
    md.append(
        "\n✗: below the pass share or unstable (✗u: the windows' good shares disagreed). Quality"
            + " over every OK caption of the configuration's steps, points ×100 with 95%"
            + " bootstrap intervals over images.\n\n");
  }

  private static String interval(JsonNode metric) {
    if (metric.isMissingNode()) {
      return "–";
    }
    return String.format(
        Locale.ROOT,
        "%.1f (%.1f–%.1f)",
        metric.path("value").asDouble(Double.NaN),
        metric.path("low").asDouble(Double.NaN),
        metric.path("high").asDouble(Double.NaN));
  }
}
