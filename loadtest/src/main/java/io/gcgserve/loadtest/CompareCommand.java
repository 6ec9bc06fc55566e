package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gcgserve.eval.ab.Bootstrap;
import io.gcgserve.eval.ab.Comparison;
import io.gcgserve.eval.ab.MetricInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bin/gcg-loadtest compare A B}: run B against run A (each a {@code --out} directory), for
 * all requests and for each configuration both ran, with the percentile-bootstrap intervals of
 * {@code gcg-ab report} ({@link Bootstrap}: requests resampled within each run, the difference's
 * central 95% interval, and the same verdicts, {@link Comparison}).
 */
@Command(
    name = "gcg-loadtest compare",
    mixinStandardHelpOptions = true,
    description = "Compares two gcg-loadtest runs (B against A) with bootstrap intervals.")
public final class CompareCommand implements Callable<Integer> {

  /** The compared metrics: the statistic's info and how a sample is read off the records. */
  record Metric(
      MetricInfo info, Function<RequestRecord, @Nullable Double> value, double percentile) {}

  static final List<Metric> METRICS =
      List.of(
          new Metric(
              new MetricInfo("ttft_p50_ms", "TTFT p50", "ms", true, "faster", "slower", 1),
              r -> r.ok() ? r.ttftMs() : null,
              50),
          new Metric(
              new MetricInfo("ttft_p99_ms", "TTFT p99", "ms", true, "faster", "slower", 1),
              r -> r.ok() ? r.ttftMs() : null,
              99),
          new Metric(
              new MetricInfo(
                  "itl_p50_ms", "per-request mean ITL p50", "ms", true, "faster", "slower", 2),
              r ->
                  r.ok() && !r.itlMs().isEmpty()
                      ? r.itlMs().stream().mapToDouble(Double::doubleValue).average().orElse(0)
                      : null,
              50),
          new Metric(
              new MetricInfo("e2e_p50_ms", "end-to-end p50", "ms", true, "faster", "slower", 1),
              r -> r.ok() ? r.e2eMs() : null,
              50),
          new Metric(
              new MetricInfo("good_pct", "good share", "%", false, "better", "worse", 1),
              r -> RequestRecord.CANCELLED.equals(r.outcome()) ? null : r.isGood() ? 100.0 : 0.0,
              -1));

  @Parameters(index = "0", description = "Run A (the baseline): a gcg-loadtest --out directory.")
  private Path first;

  @Parameters(index = "1", description = "Run B, compared against A.")
  private Path second;

  @Option(names = "--bootstrap", defaultValue = "2000", description = "Bootstrap resamples.")
  private int resamples;

  @Option(names = "--seed", defaultValue = "1", description = "Bootstrap seed.")
  private long seed;

  @Option(names = "--out", description = "Also write compare.json here.")
  private @Nullable Path out;

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new CompareCommand()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    List<RequestRecord> a = Outputs.readRecords(first);
    List<RequestRecord> b = Outputs.readRecords(second);
    ObjectNode result = compare(a, b, resamples, seed);
    result.put("a", first.toString());
    result.put("b", second.toString());
    System.out.print(text(result));
    if (out != null) {
      Files.createDirectories(out);
      Outputs.writeSummary(result, out);
      Files.move(
          out.resolve(Outputs.SUMMARY),
          out.resolve("compare.json"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return 0;
  }

  /** B against A, overall and per configuration both have. */
  static ObjectNode compare(
      List<RequestRecord> a, List<RequestRecord> b, int resamples, long seed) {
    Map<String, List<RequestRecord>[]> groups = new LinkedHashMap<>();
    groups.put("all", pair(a, b));
    TreeSet<String> configs = new TreeSet<>();
    a.forEach(r -> configs.add(r.config()));
    for (String config : configs) {
      List<RequestRecord> inA = a.stream().filter(r -> r.config().equals(config)).toList();
      List<RequestRecord> inB = b.stream().filter(r -> r.config().equals(config)).toList();
      if (!inB.isEmpty()) {
        groups.put(config, pair(inA, inB));
      }
    }
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", "gcg-loadtest.compare/1");
    root.put("resamples", resamples);
    root.put("confidence", Bootstrap.CONFIDENCE);
    ObjectNode byGroup = root.putObject("groups");
    for (Map.Entry<String, List<RequestRecord>[]> group : groups.entrySet()) {
      ArrayNode rows = byGroup.putArray(group.getKey());
      for (Metric metric : METRICS) {
        Comparison comparison =
            compare(
                metric, group.getKey(), group.getValue()[0], group.getValue()[1], resamples, seed);
        ObjectNode row = rows.addObject();
        row.put("metric", metric.info().key());
        row.put("a", Figures.round(comparison.controlValue()));
        row.put("b", Figures.round(comparison.armValue()));
        row.put("difference", Figures.round(comparison.difference()));
        row.put("low", Figures.round(comparison.low()));
        row.put("high", Figures.round(comparison.high()));
        row.put("outcome", comparison.outcome().name());
        row.put("verdict", comparison.verdict());
      }
    }
    return root;
  }

  @SuppressWarnings("unchecked")
  private static List<RequestRecord>[] pair(List<RequestRecord> a, List<RequestRecord> b) {
    return new List[] {a, b};
  }

  private static Comparison compare(
      Metric metric,
      String group,
      List<RequestRecord> a,
      List<RequestRecord> b,
      int resamples,
      long seed) {
    double[] valuesA = sample(a, metric);
    double[] valuesB = sample(b, metric);
    Bootstrap.Statistic statisticA = statistic(metric, valuesA);
    Bootstrap.Statistic statisticB = statistic(metric, valuesB);
    String stream = group + "\u0000" + metric.info().key();
    double[] replicatesA =
        Bootstrap.replicates(
            valuesA.length, new Bootstrap.Statistic[] {statisticA}, resamples, seed, "A" + stream)[
            0];
    double[] replicatesB =
        Bootstrap.replicates(
            valuesB.length, new Bootstrap.Statistic[] {statisticB}, resamples, seed, "B" + stream)[
            0];
    return Comparison.of(
        metric.info(),
        "B",
        "A",
        valuesB.length == 0 ? Double.NaN : statisticB.of(Bootstrap.identity(valuesB.length)),
        valuesA.length == 0 ? Double.NaN : statisticA.of(Bootstrap.identity(valuesA.length)),
        Bootstrap.interval(Bootstrap.differences(replicatesB, replicatesA)),
        valuesA.length >= 2 && valuesB.length >= 2);
  }

  private static double[] sample(List<RequestRecord> records, Metric metric) {
    double[] values =
        records.stream()
            .map(metric.value())
            .filter(v -> v != null && !v.isNaN())
            .mapToDouble(v -> v == null ? 0 : v)
            .toArray();
    Arrays.sort(values);
    return values;
  }

  private static Bootstrap.Statistic statistic(Metric metric, double[] sorted) {
    return metric.percentile() < 0
        ? counts -> Bootstrap.mean(sorted, counts)
        : counts -> Bootstrap.percentile(sorted, counts, metric.percentile());
  }

  /** The comparison as text, one block per group. */
  static String text(ObjectNode result) {
    StringBuilder text = new StringBuilder();
    text.append("B against A, 95% percentile-bootstrap intervals of B − A\n");
    result
        .path("groups")
        .fields()
        .forEachRemaining(
            group -> {
              text.append(group.getKey()).append(":\n");
              List<String> lines = new ArrayList<>();
              for (var row : group.getValue()) {
                lines.add(
                    String.format(
                        java.util.Locale.ROOT,
                        "  %-14s A %9.2f  B %9.2f  %s%n",
                        row.path("metric").asText(),
                        row.path("a").asDouble(),
                        row.path("b").asDouble(),
                        row.path("verdict").asText()));
              }
              lines.forEach(text::append);
            });
    return text.toString();
  }
}
