package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html}: one self-contained page (plots embedded as data URIs, no script, no external
 * file) with the terminal summary, the quality table, the capacity search and repeated runs when
 * there are any, the plots, and the summary.json it was made from.
 */
final class HtmlReport {

  private HtmlReport() {}

  static void write(Path directory, JsonNode summary, String table) throws IOException {
    StringBuilder html = new StringBuilder();
    html.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>gcg-loadtest ")
        .append(escape(summary.path("target").asText()))
        .append("</title><style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}")
        .append("pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;")
        .append("text-align:right}img{max-width:100%}</style></head><body>")
        .append("<h1>gcg-loadtest report</h1><p>target <code>")
        .append(escape(summary.path("target").asText()))
        .append("</code>, SLO <code>")
        .append(escape(summary.path("slo").asText()))
        .append("</code>, schema <code>")
        .append(escape(summary.path("schema").asText()))
        .append("</code></p><h2>Summary</h2><pre>")
        .append(escape(table))
        .append("</pre>");
    quality(html, summary.path("quality"));
    if (summary.has("capacity")) {
      html.append("<h2>Capacity search</h2>");
      for (Iterator<Map.Entry<String, JsonNode>> it = summary.path("capacity").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> search = it.next();
        html.append("<h3>")
            .append(escape(search.getKey()))
            .append(": max rate ")
            .append(search.getValue().path("max_rate").asText())
            .append("/s</h3><table><tr><th>rate</th><th>achieved</th><th>good</th>")
            .append("<th>window goodputs</th><th>stable</th><th>pass</th><th>TTFT p50</th>")
            .append("<th>TTFT p99</th></tr>");
        for (JsonNode step : search.getValue().path("steps")) {
          html.append(
              String.format(
                  Locale.ROOT,
                  "<tr><td>%.3f</td><td>%.3f</td><td>%.1f%%</td><td>%s</td><td>%s</td>"
                      + "<td>%s</td><td>%.1f</td><td>%.1f</td></tr>",
                  step.path("rate").asDouble(),
                  step.path("achieved_rate").asDouble(),
                  100 * step.path("good_share").asDouble(),
                  escape(step.path("window_goodput_rps").toString()),
                  step.path("stable").asBoolean(),
                  step.path("pass").asBoolean(),
                  step.path("ttft_p50_ms").asDouble(),
                  step.path("ttft_p99_ms").asDouble()));
        }
        html.append("</table>");
      }
    }
    if (summary.has("runs")) {
      html.append("<h2>Repeated runs</h2><pre>")
          .append(escape(RunWriter.runsText(summary.path("runs"))))
          .append("</pre>");
    }
    html.append("<h2>Plots</h2>");
    for (Map.Entry<String, String> plot : Charts.FILES.entrySet()) {
      Path file = directory.resolve(plot.getKey());
      if (Files.isRegularFile(file)) {
        html.append("<h3>")
            .append(escape(plot.getValue()))
            .append("</h3><img alt=\"")
            .append(escape(plot.getValue()))
            .append("\" src=\"data:image/png;base64,")
            .append(Base64.getEncoder().encodeToString(Files.readAllBytes(file)))
            .append("\">");
      }
    }
    html.append("<h2>summary.json</h2><pre>")
        .append(escape(summary.toPrettyString()))
        .append("</pre></body></html>\n");
    Files.writeString(directory.resolve("report.html"), html.toString());
  }

  private static void quality(StringBuilder html, JsonNode quality) {
    if (quality.isMissingNode()) {
      return;
    }
    html.append("<h2>Quality under load</h2><p>against <code>")
        .append(escape(quality.path("ground_truth").asText()))
        .append("</code>; points ×100, 95% bootstrap intervals over images</p><table>")
        .append("<tr><th>config</th><th>images</th><th>AP50</th><th>mIoU</th><th>recall</th></tr>");
    for (Iterator<Map.Entry<String, JsonNode>> it = quality.path("by_config").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> group = it.next();
      html.append("<tr><td>")
          .append(escape(group.getKey()))
          .append("</td><td>")
          .append(group.getValue().path("images_scored").asInt());
      for (String metric : new String[] {"ap50", "miou", "recall"}) {
        JsonNode value = group.getValue().path(metric);
        html.append("</td><td>")
            .append(
                String.format(
                    Locale.ROOT,
                    "%.1f (%.1f–%.1f)",
                    value.path("value").asDouble(Double.NaN),
                    value.path("low").asDouble(Double.NaN),
                    value.path("high").asDouble(Double.NaN)));
      }
      html.append("</td></tr>");
    }
    html.append("</table>");
  }

  static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
