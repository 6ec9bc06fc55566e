package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes one result's files: summary.json, requests.jsonl, the .hlog logs, plots, report.html and
 * report.md.
 */
final class RunWriter {

  private final Path directory;
  private final String target;
  private final Slo slo;
  private final @Nullable Path groundTruth;
  private final Map<String, String> shaByImage;
  private final PrintStream log;
  private Map<String, List<CapacitySearch.Step>> steps = new LinkedHashMap<>();

  RunWriter(
      Path directory,
      String target,
      Slo slo,
      @Nullable Path groundTruth,
      Map<String, String> shaByImage,
      PrintStream log) {
    this.directory = directory;
    this.target = target;
    this.slo = slo;
    this.groundTruth = groundTruth;
    this.shaByImage = shaByImage;
    this.log = log;
  }

  /** The capacity search's steps, for the rate plots. */
  void capacitySteps(Map<String, List<CapacitySearch.Step>> searchSteps) {
    this.steps = new LinkedHashMap<>(searchSteps);
  }

  /** Writes everything; {@code extra}'s fields are added to the summary. Returns the summary. */
  ObjectNode write(
      Workload workload, LoadRunner.RunResult result, int planned, @Nullable ObjectNode extra)
      throws IOException {
    ObjectNode summary = Summary.build(target, workload, slo, result, planned);
    if (extra != null) {
      summary.setAll(extra);
    }
    List<RequestRecord> measured = Summary.measured(result.records(), workload.warmupSeconds());
    if (groundTruth != null) {
      log.println("scoring captions against " + groundTruth);
      summary.set(
          "quality",
          QualityUnderLoad.score(
              groundTruth, measured, result.masks(), shaByImage, workload.seed()));
    }
    Outputs.writeSummary(summary, directory);
    Outputs.writeRecords(result.records(), directory);
    Outputs.writeHistogramLogs(measured, directory);
    Charts.write(directory, measured, steps, workload.warmupSeconds(), result.achievedRate());
    HtmlReport.write(directory, summary, SummaryTable.render(summary));
    MarkdownReport.write(directory, summary, SummaryTable.render(summary));
    return summary;
  }

  /** The repeated runs' intervals as text. */
  static String runsText(JsonNode runs) {
    StringBuilder text = new StringBuilder();
    text.append(
        String.format(
            Locale.ROOT, "%d runs, mean and 95%% CI (Student t):%n", runs.path("runs").asInt()));
    for (Iterator<Map.Entry<String, JsonNode>> it = runs.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> figure = it.next();
      if (!figure.getValue().isObject()) {
        continue;
      }
      text.append(
          String.format(
              Locale.ROOT,
              "  %-18s %10.3f  (%.3f to %.3f)%n",
              figure.getKey(),
              figure.getValue().path("mean").asDouble(),
              figure.getValue().path("low").asDouble(),
              figure.getValue().path("high").asDouble()));
    }
    return text.toString();
  }
}
