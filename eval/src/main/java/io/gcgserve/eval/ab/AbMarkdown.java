package io.gcgserve.eval.ab;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** Writes an {@link AbReport} as {@code report.md}. */
public final class AbMarkdown {

  /** The plots the Markdown links, by file name, with their captions. */
  static final Map<String, String> PLOTS =
      Map.of(
          AbCharts.TTFT_CDF, "TTFT of OK requests, empirical CDF per arm",
          AbCharts.TOTAL_CDF, "End-to-end latency (total_ms) of OK requests, CDF per arm",
          AbCharts.DIFFERENCES, "Differences against the control with 95% intervals");

  private AbMarkdown() {}

  /** The whole report. */
  public static String render(AbReport report) {
    StringBuilder md = new StringBuilder();
    ExperimentLog log = report.log();
    md.append("# A/B report: experiment `").append(log.experiment()).append("`\n\n");
    if (report.sampleRatio().mismatch()) {
      md.append("> **WARNING: ").append(report.sampleRatio().warning()).append("**\n\n");
    }
    source(md, report);
    md.append("## Verdicts\n\n");
    for (Comparison comparison : report.comparisons()) {
      md.append("- ").append(comparison.verdict()).append('\n');
    }
    AbReport.Quality quality = report.quality();
    if (quality != null) {
      for (Comparison comparison : quality.comparisons()) {
        md.append("- ").append(comparison.verdict()).append('\n');
      }
    }
    md.append('\n');
    arms(md, report);
    statuses(md, report);
    sampleRatio(md, report.sampleRatio());
    differences(md, "Differences against the control", report.comparisons());
    if (quality != null) {
      quality(md, quality);
    }
    md.append("## Plots\n\n");
    for (String file : List.of(AbCharts.TTFT_CDF, AbCharts.TOTAL_CDF, AbCharts.DIFFERENCES)) {
      md.append("![").append(PLOTS.get(file)).append("](").append(file).append(")\n\n");
    }
    md.append(
        "Definitions: latency, tokens/s and FLOPs ratio are over OK requests; the error rate over"
            + " all. tokens/s is each OK request's tokens / (decode_ms / 1000), median over"
            + " requests. Percentiles interpolate linearly between ranks. Intervals: percentile"
            + " bootstrap, each arm's requests (images, for quality) resampled on their own."
            + " A verdict names a difference when its 95% interval excludes 0; with many metrics"
            + " about one in twenty identical comparisons still shows one by chance. See"
            + " eval/README.md, \"A/B report\".\n");
    return md.toString();
  }

  private static void source(StringBuilder md, AbReport report) {
    LogReading reading = report.reading();
    ExperimentLog log = report.log();
    md.append("- Log: `")
        .append(reading.file())
        .append("`, ")
        .append(reading.lines())
        .append(" lines, ")
        .append(reading.entries().size() - log.otherLines() - log.withoutArm())
        .append(" of this experiment, ")
        .append(log.otherLines())
        .append(" of other experiments or none\n");
    if (reading.malformed() > 0) {
      md.append("- Malformed lines skipped: ").append(reading.malformed()).append(" (first: ");
      StringBuilder examples = new StringBuilder();
      reading.malformedExamples().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(
              e ->
                  examples
                      .append(examples.length() == 0 ? "" : "; ")
                      .append("line ")
                      .append(e.getKey())
                      .append(": ")
                      .append(e.getValue()));
      md.append(examples).append(")\n");
    }
    if (reading.truncatedLastLine()) {
      md.append("- The last line was incomplete (the server was still writing it) and skipped\n");
    }
    if (log.withoutArm() > 0) {
      md.append("- Lines of this experiment without an arm, skipped: ")
          .append(log.withoutArm())
          .append('\n');
    }
    md.append("- Control: `")
        .append(log.control())
        .append("` (")
        .append(log.controlReason())
        .append(")\n");
    md.append("- Bootstrap: ")
        .append(report.resamples())
        .append(" resamples per arm, seed ")
        .append(report.seed())
        .append(", 95% percentile intervals\n\n");
  }

  private static void arms(StringBuilder md, AbReport report) {
    md.append("## Arms\n\n");
    md.append(
        "| arm | pruner | share | requests | error rate | TTFT p50 | TTFT p90 | TTFT p99 |"
            + " end-to-end p50 | end-to-end p90 | tokens/s | FLOPs ratio | visual tokens kept |\n");
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (ServingFigures figures : report.serving()) {
      ArmSample arm = figures.arm();
      Double share = arm.lastShare();
      double kept =
          Bootstrap.mean(arm.visualTokensKept(), Bootstrap.identity(arm.visualTokensKept().length));
      md.append("| ")
          .append(arm.name())
          .append(arm.name().equals(report.log().control()) ? " (control)" : "")
          .append(" | ")
          .append(String.join("; ", arm.pruners()))
          .append(" | ")
          .append(share == null ? "n/a" : String.format(Locale.ROOT, "%.3f", share))
          .append(" | ")
          .append(arm.requests());
      for (LatencyMetric metric : LatencyMetric.values()) {
        String value = metric.info().format(figures.value(metric));
        if (metric == LatencyMetric.ERROR_RATE || metric == LatencyMetric.FLOPS_RATIO) {
          value = value + "%";
        }
        md.append(" | ").append(value);
      }
      md.append(" | ")
          .append(Double.isNaN(kept) ? "n/a" : String.format(Locale.ROOT, "%.1f", kept))
          .append(" |\n");
    }
    md.append(
        "\nms for latencies; TTFT and end-to-end over OK requests; FLOPs ratio is the mean prefill"
            + " FLOPs over the unpruned prefill; visual tokens kept is a mean.\n\n");
  }

  private static void statuses(StringBuilder md, AbReport report) {
    TreeSet<String> names = new TreeSet<>();
    for (ArmSample arm : report.log().arms()) {
      names.addAll(arm.statuses().keySet());
    }
    md.append("## Requests by status\n\n| arm |");
    names.forEach(name -> md.append(' ').append(name).append(" |"));
    md.append("\n|---|");
    names.forEach(name -> md.append("---:|"));
    md.append('\n');
    for (ArmSample arm : report.log().arms()) {
      md.append("| ").append(arm.name()).append(" |");
      for (String name : names) {
        md.append(' ').append(arm.statuses().getOrDefault(name, 0)).append(" |");
      }
      md.append('\n');
    }
    md.append('\n');
  }

  private static void sampleRatio(StringBuilder md, SampleRatioTest test) {
    md.append("## Sample ratio\n\n");
    String note = test.note();
    if (Double.isNaN(test.pValue())) {
      md.append("Not run: ").append(note).append("\n\n");
      return;
    }
    md.append("| arm | requests | expected |\n|---|---:|---:|\n");
    for (Map.Entry<String, Long> entry : test.observed().entrySet()) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.1f |%n",
              entry.getKey(),
              entry.getValue(),
              test.expected().get(entry.getKey())));
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%nPearson chi-square %.2f, %d degrees of freedom, p = %.3g: %s%n%n",
            test.chiSquare(),
            test.degreesOfFreedom(),
            test.pValue(),
            test.mismatch()
                ? "**mismatch** (p < " + SampleRatioTest.THRESHOLD + ")"
                : "consistent with the configured shares"));
    if (note != null) {
      md.append(note).append("\n\n");
    }
  }

  static void differences(StringBuilder md, String title, List<Comparison> comparisons) {
    md.append("## ").append(title).append("\n\n");
    md.append("| metric | arm | control | arm value | control value | difference | 95% CI |\n");
    md.append("|---|---|---|---:|---:|---:|---|\n");
    for (Comparison c : comparisons) {
      MetricInfo metric = c.metric();
      md.append("| ")
          .append(metric.label())
          .append(" (")
          .append(metric.unit())
          .append(") | ")
          .append(c.arm())
          .append(" | ")
          .append(c.control())
          .append(" | ")
          .append(metric.format(c.armValue()))
          .append(" | ")
          .append(metric.format(c.controlValue()))
          .append(" | ")
          .append(metric.formatSigned(c.difference()))
          .append(" | ")
          .append(metric.formatSigned(c.low()))
          .append(" to ")
          .append(metric.formatSigned(c.high()))
          .append(" |\n");
    }
    md.append('\n');
  }

  private static void quality(StringBuilder md, AbReport.Quality quality) {
    md.append("## Quality against `")
        .append(quality.groundTruth())
        .append("` (")
        .append(quality.images())
        .append(" images)\n\n");
    String note = quality.note();
    if (note != null) {
      md.append("**").append(note).append("**\n\n");
    }
    md.append("| arm | images | AP50 | mIoU | recall | unmatched | no caption | repeats |\n");
    md.append("|---|---:|---|---|---|---:|---:|---:|\n");
    for (QualityFigures arm : quality.arms()) {
      md.append("| ").append(arm.arm()).append(" | ").append(arm.images());
      for (int i = 0; i < QualityScoring.METRICS.size(); i++) {
        MetricInfo metric = QualityScoring.METRICS.get(i);
        double[] interval = arm.interval(i);
        md.append(" | ")
            .append(metric.format(arm.values()[i]))
            .append(" (")
            .append(metric.format(interval[0]))
            .append("\u2013")
            .append(metric.format(interval[1]))
            .append(')');
      }
      QualityFigures.Coverage coverage = arm.coverage();
      md.append(" | ")
          .append(coverage.unmatched())
          .append(" | ")
          .append(coverage.withoutCaptions())
          .append(" | ")
          .append(coverage.repeats())
          .append(" |\n");
    }
    md.append(
        "\nPoints (×100) with each arm's 95% bootstrap interval over its images. Each arm's first"
            + " OK line per image is scored.\n\n");
    differences(md, "Quality differences against the control", quality.comparisons());
  }
}
