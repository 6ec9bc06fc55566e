package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.jspecify.annotations.Nullable;

/** Writes and reads a run's files: summary.json, requests.jsonl and the .hlog histogram logs. */
final class Outputs {

  /** The summary's file name. */
  static final String SUMMARY = "summary.json";

  /** The per-request records' file name. */
  static final String REQUESTS = "requests.jsonl";

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();
  private static final ObjectMapper LINES = JsonMapper.builder().build();

  private Outputs() {}

  static void writeSummary(JsonNode summary, Path directory) throws IOException {
    Files.writeString(directory.resolve(SUMMARY), JSON.writeValueAsString(summary) + "\n");
  }

  static JsonNode readSummary(Path directory) throws IOException {
    return JSON.readTree(directory.resolve(SUMMARY).toFile());
  }

  static void writeRecords(List<RequestRecord> records, Path directory) throws IOException {
    try (BufferedWriter out =
        Files.newBufferedWriter(directory.resolve(REQUESTS), StandardCharsets.UTF_8)) {
      for (RequestRecord record : records) {
        out.write(LINES.writeValueAsString(record));
        out.write('\n');
      }
    }
  }

  /** Reads {@code requests.jsonl} of a run directory. */
  static List<RequestRecord> readRecords(Path directory) throws IOException {
    Path file = directory.resolve(REQUESTS);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          directory + " has no " + REQUESTS + ": give the --out directory of a gcg-loadtest run");
    }
    List<RequestRecord> records = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        records.add(JSON.readValue(line, RequestRecord.class));
      }
    }
    return records;
  }

  /**
   * One HdrHistogram log per latency ({@code ttft.hlog}, {@code ttft-sent.hlog}, {@code itl.hlog},
   * {@code e2e.hlog}, {@code e2e-sent.hlog}): one interval histogram per second of intended send
   * time and configuration (tagged with it), values in microseconds; OK requests only.
   */
  static void writeHistogramLogs(List<RequestRecord> records, Path directory) throws IOException {
    Map<String, Function<RequestRecord, List<Double>>> metrics =
        Map.of(
            "ttft", record -> single(record.ttftMs()),
            "ttft-sent", record -> single(record.ttftSentMs()),
            "itl", RequestRecord::itlMs,
            "e2e", record -> List.of(record.e2eMs()),
            "e2e-sent", record -> List.of(record.e2eSentMs()));
    List<RequestRecord> ok = records.stream().filter(RequestRecord::ok).toList();
    for (Map.Entry<String, Function<RequestRecord, List<Double>>> metric : metrics.entrySet()) {
      try (PrintStream out =
          new PrintStream(
              Files.newOutputStream(directory.resolve(metric.getKey() + ".hlog")),
              false,
              StandardCharsets.UTF_8)) {
        HistogramLogWriter writer = new HistogramLogWriter(out);
        writer.outputComment("gcg-loadtest " + metric.getKey() + " latency, microseconds");
        writer.outputLegend();
        for (Map.Entry<String, List<RequestRecord>> config :
            Summary.group(ok, RequestRecord::config).entrySet()) {
          Map<Long, List<Double>> bySecond = new java.util.TreeMap<>();
          for (RequestRecord record : config.getValue()) {
            bySecond
                .computeIfAbsent((long) (record.intendedMs() / 1000), k -> new ArrayList<>())
                .addAll(metric.getValue().apply(record));
          }
          for (Map.Entry<Long, List<Double>> second : bySecond.entrySet()) {
            Histogram histogram = Figures.histogram(second.getValue());
            histogram.setStartTimeStamp(second.getKey() * 1000);
            histogram.setEndTimeStamp(second.getKey() * 1000 + 1000);
            histogram.setTag(config.getKey().replaceAll("[\\s,]", "_"));
            writer.outputIntervalHistogram(histogram);
          }
        }
      }
    }
  }

  private static List<Double> single(@Nullable Double value) {
    return value == null ? List.of() : List.of(value);
  }
}
