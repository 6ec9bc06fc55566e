package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gcgserve.server.accesslog.AccessLogEntry;
import io.grpc.Channel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Runs what the command asked for (one run, {@code --runs N}, or a capacity search) and writes each
 * result's files through {@link RunWriter}.
 */
final class RunDriver {

  private final String target;
  private final Channel channel;
  private final Slo slo;
  private final ImageSet images;
  private final @Nullable Path groundTruth;
  private final @Nullable PrintStream progress;
  private final PrintStream log;

  RunDriver(
      String target,
      Channel channel,
      Slo slo,
      ImageSet images,
      @Nullable Path groundTruth,
      @Nullable PrintStream progress,
      PrintStream log) {
    this.target = target;
    this.channel = channel;
    this.slo = slo;
    this.images = images;
    this.groundTruth = groundTruth;
    this.progress = progress;
    this.log = log;
  }

  /** One run of {@code workload}, its records judged against the SLO. */
  LoadRunner.RunResult runOnce(Workload workload, String label) throws InterruptedException {
    List<PlannedRequest> plan = PlannedRequest.plan(workload, images.size());
    LoadRunner runner =
        new LoadRunner(channel, Clock.SYSTEM, new Progress(progress, Clock.SYSTEM, label));
    LoadRunner.RunResult result = runner.run(workload, images, plan);
    List<RequestRecord> judged = new ArrayList<>();
    for (RequestRecord record : result.records()) {
      judged.add(record.withGood(slo.met(record)));
    }
    return new LoadRunner.RunResult(
        judged,
        result.masks(),
        result.targetRate(),
        result.achievedRate(),
        result.windowSeconds(),
        result.wallSeconds(),
        result.cpuSeconds(),
        result.lateSends());
  }

  /** {@code runs} runs; with more than one, each in {@code run-K/} and the aggregate in out. */
  void runs(Workload workload, int runs, Path out) throws Exception {
    if (runs == 1) {
      LoadRunner.RunResult result = runOnce(workload, "run");
      ObjectNode summary = writer(out).write(workload, result, planned(workload), null);
      log.print(SummaryTable.render(summary));
      log.println("wrote " + out.resolve(Outputs.SUMMARY) + " and " + out.resolve("report.html"));
      return;
    }
    List<JsonNode> summaries = new ArrayList<>();
    List<LoadRunner.RunResult> results = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      Workload repeat =
          workload.with(
              workload.rate(), workload.duration(), workload.warmup(), workload.seed() + i);
      LoadRunner.RunResult result = runOnce(repeat, "run " + (i + 1) + "/" + runs);
      results.add(result);
      Path directory = Files.createDirectories(out.resolve("run-" + (i + 1)));
      summaries.add(writer(directory).write(repeat, result, planned(repeat), null));
    }
    ObjectNode extra = Workload.json().createObjectNode();
    extra.set("runs", RepeatedRuns.aggregate(summaries));
    ObjectNode summary = writer(out).write(workload, pooled(results), planned(workload), extra);
    log.print(SummaryTable.render(summary));
    log.print(RunWriter.runsText(summary.path("runs")));
    log.println("wrote " + out.resolve(Outputs.SUMMARY) + " and " + out.resolve("report.html"));
  }

  /** The capacity search, over the whole mix or over each entry on its own. */
  void capacity(Workload workload, CapacitySearch.Settings settings, boolean each, Path out)
      throws Exception {
    Map<String, Workload> searches = new LinkedHashMap<>();
    if (each) {
      for (MixEntry entry : workload.mix()) {
        searches.put(entry.label(), withMix(workload, entry));
      }
    } else {
      searches.put("mix", workload);
    }
    ObjectNode capacity = Workload.json().createObjectNode();
    Map<String, List<CapacitySearch.Step>> allSteps = new LinkedHashMap<>();
    List<LoadRunner.RunResult> results = new ArrayList<>();
    for (Map.Entry<String, Workload> search : searches.entrySet()) {
      log.println("capacity search: " + search.getKey());
      List<CapacitySearch.Step> steps =
          CapacitySearch.search(
              search.getValue(),
              slo,
              settings,
              step -> runOnce(step, search.getKey() + " @ " + step.rate() + "/s"),
              log);
      allSteps.put(search.getKey(), steps);
      capacity.set(search.getKey(), CapacitySearch.json(steps, settings, settings.warmupSeconds()));
      log.printf(
          java.util.Locale.ROOT,
          "%s: max rate %.3f/s at SLO %s%n",
          search.getKey(),
          CapacitySearch.maxRate(steps),
          slo.describe());
      steps.forEach(step -> results.add(step.result()));
    }
    ObjectNode extra = Workload.json().createObjectNode();
    extra.set("capacity", capacity);
    RunWriter writer = writer(out);
    writer.capacitySteps(allSteps);
    Workload pooledWorkload =
        workload.with(workload.rate(), workload.duration(), settings.warmupSeconds() + "s", 0);
    ObjectNode summary = writer.write(pooledWorkload, pooled(results), 0, extra);
    log.print(SummaryTable.render(summary));
    log.println("wrote " + out.resolve(Outputs.SUMMARY) + " and " + out.resolve("report.html"));
  }

  private static Workload withMix(Workload workload, MixEntry entry) {
    return new Workload(
        workload.arrival(),
        workload.rate(),
        workload.burstiness(),
        workload.concurrency(),
        workload.duration(),
        workload.requests(),
        workload.warmup(),
        workload.images(),
        workload.synthetic(),
        workload.groundTruth(),
        List.of(entry),
        workload.subjects(),
        workload.maxTokens(),
        workload.deadline(),
        workload.cancelShare(),
        workload.maxInFlight(),
        workload.seed());
  }

  private int planned(Workload workload) {
    return workload.closedLoop()
        ? 0
        : ArrivalSchedule.count(workload.rate(), workload.durationSeconds(), workload.requests());
  }

  private RunWriter writer(Path directory) throws IOException {
    Map<String, String> sha = new HashMap<>();
    for (int i = 0; i < images.size(); i++) {
      sha.put(images.names().get(i), images.sha256().get(i));
    }
    return new RunWriter(Files.createDirectories(directory), target, slo, groundTruth, sha, log);
  }

  /** Several runs as one: records renumbered, rates averaged, times and CPU added up. */
  static LoadRunner.RunResult pooled(List<LoadRunner.RunResult> results) {
    List<RequestRecord> records = new ArrayList<>();
    Map<Integer, List<AccessLogEntry.PhraseMask>> masks = new HashMap<>();
    double achieved = 0;
    double window = 0;
    double wall = 0;
    double cpu = 0;
    int late = 0;
    for (LoadRunner.RunResult result : results) {
      int offset = records.size();
      for (RequestRecord record : result.records()) {
        masks.put(offset + record.index(), result.masks().getOrDefault(record.index(), List.of()));
        records.add(renumber(record, offset + record.index()));
      }
      achieved += result.achievedRate();
      window += result.windowSeconds();
      wall += result.wallSeconds();
      cpu += result.cpuSeconds();
      late += result.lateSends();
    }
    double target = results.isEmpty() ? Double.NaN : results.get(0).targetRate();
    return new LoadRunner.RunResult(
        records, masks, target, achieved / results.size(), window, wall, cpu, late);
  }

  private static RequestRecord renumber(RequestRecord r, int index) {
    return new RequestRecord(
        index,
        r.config(),
        r.pruner(),
        r.keep(),
        r.budget(),
        r.arm(),
        r.subjectKey(),
        r.image(),
        r.intendedMs(),
        r.sentMs(),
        r.status(),
        r.outcome(),
        r.message(),
        r.ttftMs(),
        r.ttftSentMs(),
        r.tfmMs(),
        r.tfmSentMs(),
        r.e2eMs(),
        r.e2eSentMs(),
        r.itlMs(),
        r.tpotMs(),
        r.tokens(),
        r.phrases(),
        r.server(),
        r.good(),
        r.caption());
  }
}
