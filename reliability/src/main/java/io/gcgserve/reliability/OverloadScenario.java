package io.gcgserve.reliability;

import io.gcgserve.harness.PrometheusText;
import io.gcgserve.harness.ServerProcess;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Overload at {@code overloadFactor} x capacity: bursts of that many Caption calls at once, over
 * several connections (a connection carries at most 100 streams). Capacity is {@code --max-batch} +
 * {@code --queue-capacity}; the excess must be refused with RESOURCE_EXHAUSTED fast, every accepted
 * call must complete, and the server's heap must stay bounded.
 */
final class OverloadScenario {

  static final String NAME = "overload";

  /** Refusals must take less than this, client-measured, at p99. */
  static final double REFUSAL_P99_LIMIT_MS = 10;

  /** The most the heap left after a full GC may grow over its level before the bursts. */
  static final double RETAINED_GROWTH_LIMIT_MIB = 64;

  private static final double MIB = 1024.0 * 1024.0;

  private OverloadScenario() {}

  static ScenarioResult run(Suite suite) throws IOException, InterruptedException {
    ServerProcess server = suite.mainServer();
    Plan plan = suite.plan();
    int capacity = plan.maxBatch() + plan.queueCapacity();
    int burst = capacity * plan.overloadFactor();
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < (burst + 49) / 50; i++) {
      channels.add(Suite.plaintext(server.port()));
    }
    double retainedBefore = retainedHeapMib(server);
    long logOffset = AccessLogLines.size(suite.accessLog());
    PrometheusText before = server.scrape();
    Sampler heap =
        Sampler.start(
            suite.scheduler(),
            Duration.ofMillis(100),
            () -> server.scrape().sum("jvm_memory_used_bytes", "area", "heap") / MIB);
    List<Double> refusalMillis = new ArrayList<>();
    Map<String, Integer> other = new TreeMap<>();
    int completed = 0;
    int accepted = 0;
    try {
      for (int wave = 0; wave < plan.overloadWaves(); wave++) {
        List<CompletableFuture<CaptionStream.Outcome>> futures = new ArrayList<>();
        for (int i = 0; i < burst; i++) {
          futures.add(
              CaptionStream.start(
                      channels.get(i % channels.size()),
                      CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS),
                      suite.request(i, "none"),
                      -1)
                  .outcome());
        }
        int waveRefused = 0;
        for (CaptionStream.Outcome outcome : Suite.join(futures, Duration.ofSeconds(180))) {
          if (outcome.code() == Status.Code.RESOURCE_EXHAUSTED) {
            refusalMillis.add(outcome.totalMillis());
            waveRefused++;
          } else {
            accepted++;
            if (outcome.completed()) {
              completed++;
            } else {
              other.merge(describe(outcome), 1, Integer::sum);
            }
          }
        }
        suite.progress(
            NAME,
            "burst %d/%d: %d calls, %d refused, %d accepted",
            wave + 1,
            plan.overloadWaves(),
            burst,
            waveRefused,
            burst - waveRefused);
      }
    } finally {
      heap.stop();
      channels.forEach(ManagedChannel::shutdownNow);
    }
    PrometheusText after = server.scrape();
    double retainedAfter = retainedHeapMib(server);
    List<Double> serverMillis =
        AccessLogLines.totalMillis(
            suite.accessLog(), logOffset, "RESOURCE_EXHAUSTED", refusalMillis.size());
    return result(
        suite,
        burst,
        accepted,
        completed,
        refusalMillis,
        other,
        heap,
        before,
        after,
        serverMillis,
        new double[] {retainedBefore, retainedAfter});
  }

  static String describe(CaptionStream.Outcome outcome) {
    String description = outcome.description();
    return outcome.code()
        + (description.isEmpty()
            ? ""
            : " '" + description.substring(0, Math.min(120, description.length())) + "'");
  }

  /**
   * Heap used after a full GC ({@code jcmd PID GC.run}, then {@code jvm_memory_used_bytes}), in
   * MiB: what the server retains, without the garbage a sample at any moment includes; NaN when
   * jcmd cannot run or the server's JVM is gone.
   */
  static double retainedHeapMib(ServerProcess server) throws IOException, InterruptedException {
    OptionalLong pid = server.javaPid();
    if (pid.isEmpty()) {
      return Double.NaN;
    }
    Process jcmd =
        new ProcessBuilder("jcmd", Long.toString(pid.getAsLong()), "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
      jcmd.destroyForcibly();
      return Double.NaN;
    }
    return server.scrape().sum("jvm_memory_used_bytes", "area", "heap") / MIB;
  }

  private static ScenarioResult result(
      Suite suite,
      int burst,
      int accepted,
      int completed,
      List<Double> refusalMillis,
      Map<String, Integer> other,
      Sampler heap,
      PrometheusText before,
      PrometheusText after,
      List<Double> serverMillis,
      double[] retained) {
    double serverRefused =
        after.sum("gcg_requests_total", "status", "RESOURCE_EXHAUSTED")
            - before.sum("gcg_requests_total", "status", "RESOURCE_EXHAUSTED");
    double p50 = Stats.quantile(refusalMillis, 0.5);
    double p99 = Stats.quantile(refusalMillis, 0.99);
    double heapBefore = before.sum("jvm_memory_used_bytes", "area", "heap") / MIB;
    double heapPeak = heap.max();
    double heapAfter = after.sum("jvm_memory_used_bytes", "area", "heap") / MIB;
    double heapMax = after.sum("jvm_memory_max_bytes", "area", "heap") / MIB;
    String figures =
        String.format(
            java.util.Locale.ROOT,
            "%d bursts of %d calls (%dx capacity %d): %d refused RESOURCE_EXHAUSTED (server counted"
                + " %.0f), refusal latency p50 %s ms p99 %s ms max %s ms from the client's send (in the"
                + " server's handler, from its access log: p50 %s ms p99 %s ms); %d accepted, %d completed,"
                + " other %s; heap used %s MiB before, peak %s MiB (%d samples), %s MiB after, max"
                + " %s MiB; after a full GC %s MiB before, %s MiB after",
            suite.plan().overloadWaves(),
            burst,
            suite.plan().overloadFactor(),
            suite.plan().maxBatch() + suite.plan().queueCapacity(),
            refusalMillis.size(),
            serverRefused,
            Stats.f2(p50),
            Stats.f2(p99),
            Stats.f2(Stats.quantile(refusalMillis, 1.0)),
            Stats.f2(Stats.quantile(serverMillis, 0.5)),
            Stats.f2(Stats.quantile(serverMillis, 0.99)),
            accepted,
            completed,
            other,
            Stats.f1(heapBefore),
            Stats.f1(heapPeak),
            heap.count(),
            Stats.f1(heapAfter),
            Stats.f1(heapMax),
            Stats.f1(retained[0]),
            Stats.f1(retained[1]));
    ScenarioResult.Checks checks =
        new ScenarioResult.Checks()
            .require("the excess is refused", !refusalMillis.isEmpty())
            .require("server counts every refusal", serverRefused == refusalMillis.size())
            .require("every accepted call completes", completed == accepted && other.isEmpty())
            // judged where the server decides: from the client's send the figure also holds the
            // client's own upload of the burst (about 20 MB on 4 connections), which delays its
            // reading of the answers; it is printed above
            .measure(
                "refusal p99 in the server < " + Stats.f1(REFUSAL_P99_LIMIT_MS) + " ms",
                Stats.quantile(serverMillis, 0.99) < REFUSAL_P99_LIMIT_MS)
            .require(
                "heap after a full GC grows < " + Stats.f1(RETAINED_GROWTH_LIMIT_MIB) + " MiB",
                retained[1] - retained[0] < RETAINED_GROWTH_LIMIT_MIB)
            .require("heap peak < 75% of its max", heapPeak < 0.75 * heapMax);
    return new ScenarioResult(NAME, figures, checks.list());
  }
}
