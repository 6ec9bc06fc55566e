package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Builds {@code summary.json}: schema {@value #SCHEMA}, the workload, the run's target and achieved
 * rates, the load tester's own CPU, and {@link Figures} for the whole run and broken down by
 * configuration, pruner, keep ratio, arm and budget tier. Requests due in the warm-up are left out
 * of the figures (they are in requests.jsonl, with their intended time).
 */
final class Summary {

  /** The schema id; bumped when a field changes meaning or goes away. */
  static final String SCHEMA = "gcg-loadtest.summary/1";

  /** The breakdowns, in report order, and how each reads its key off a record. */
  static final Map<String, Function<RequestRecord, String>> DIMENSIONS = dimensions();

  private Summary() {}

  private static Map<String, Function<RequestRecord, String>> dimensions() {
    Map<String, Function<RequestRecord, String>> dimensions = new LinkedHashMap<>();
    dimensions.put("config", RequestRecord::config);
    dimensions.put("pruner", RequestRecord::pruner);
    dimensions.put("keep", RequestRecord::keep);
    dimensions.put("arm", RequestRecord::arm);
    dimensions.put("budget", RequestRecord::budget);
    return dimensions;
  }

  /** The requests due after the warm-up. */
  static List<RequestRecord> measured(List<RequestRecord> records, double warmupSeconds) {
    return records.stream().filter(r -> r.intendedMs() >= warmupSeconds * 1000).toList();
  }

  /** The run's summary. */
  static ObjectNode build(
      String target, Workload workload, Slo slo, LoadRunner.RunResult run, int planned) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("schema", SCHEMA);
    root.put("target", target);
    root.set("workload", workload.toJson());
    root.put("slo", slo.describe());
    List<RequestRecord> measured = measured(run.records(), workload.warmupSeconds());
    ObjectNode summary = root.putObject("run");
    summary.put("mode", workload.closedLoop() ? "closed" : "open");
    summary.put("target_rate", Figures.round(run.targetRate()));
    summary.put("achieved_rate", Figures.round(run.achievedRate()));
    if (!workload.closedLoop()) {
      summary.put("achieved_over_target", Figures.round(run.achievedRate() / run.targetRate() - 1));
    }
    summary.put("window_s", Figures.round(run.windowSeconds()));
    summary.put("wall_s", Figures.round(run.wallSeconds()));
    summary.put("requests_planned", planned);
    summary.put("requests_sent", run.records().size());
    summary.put("requests_measured", measured.size());
    summary.put("warmup_s", workload.warmupSeconds());
    summary.put("late_sends", run.lateSends());
    summary.put("client_cpu_s", Figures.round(run.cpuSeconds()));
    summary.put(
        "client_cpu_share_of_one_core", Figures.round(run.cpuSeconds() / run.wallSeconds()));
    root.set("overall", Figures.of(measured, run.achievedRate(), measured.size()));
    ObjectNode by = root.putObject("by");
    for (Map.Entry<String, Function<RequestRecord, String>> dimension : DIMENSIONS.entrySet()) {
      ObjectNode groups = by.putObject(dimension.getKey());
      group(measured, dimension.getValue())
          .forEach(
              (key, records) ->
                  groups.set(key, Figures.of(records, run.achievedRate(), measured.size())));
    }
    return root;
  }

  /** {@code records} grouped by {@code key}, keys sorted. */
  static Map<String, List<RequestRecord>> group(
      List<RequestRecord> records, Function<RequestRecord, String> key) {
    Map<String, List<RequestRecord>> groups = new TreeMap<>();
    for (RequestRecord record : records) {
      groups.computeIfAbsent(key.apply(record), k -> new ArrayList<>()).add(record);
    }
    return groups;
  }
}
