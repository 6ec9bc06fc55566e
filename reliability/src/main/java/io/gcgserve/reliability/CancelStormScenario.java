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
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A cancel storm: streams cancelled at random points (seeded: half after a random number of events,
 * 0 meaning right after the request is sent, half after a random delay), {@code --max-batch} open
 * at a time; then normal requests, which must all succeed, and the in-flight and queued gauges,
 * which must return to 0.
 */
final class CancelStormScenario {

  static final String NAME = "cancel-storm";

  /** The most events a stream is cancelled after. */
  private static final int MAX_EVENTS = 40;

  /** The longest delay a stream is cancelled after. */
  private static final int MAX_DELAY_MS = 1500;

  private CancelStormScenario() {}

  /** Starts every storm stream, {@code --max-batch} at a time, each cancelled at its point. */
  private static Storm storm(Suite suite, ManagedChannel channel) throws InterruptedException {
    Plan plan = suite.plan();
    Random random = new Random(plan.seed());
    Semaphore open = new Semaphore(suite.plan().maxBatch());
    List<CompletableFuture<CaptionStream.Outcome>> futures = new ArrayList<>();
    for (int i = 0; i < plan.cancelStreams(); i++) {
      open.acquire();
      boolean byEvents = random.nextBoolean();
      int events = byEvents ? random.nextInt(MAX_EVENTS + 1) : -1;
      long delay = byEvents ? 0 : random.nextInt(MAX_DELAY_MS + 1);
      CaptionStream stream =
          CaptionStream.start(
              channel,
              CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS),
              // long captions (4x the plan's tokens), so that most cancels land mid-stream
              CaptionStream.request(
                  suite.image(i), i % 2 == 0 ? "none" : "altp", plan.maxNewTokens() * 4, false),
              events);
      if (!byEvents) {
        var unused = suite.scheduler().schedule(stream::cancel, delay, TimeUnit.MILLISECONDS);
      }
      futures.add(stream.outcome().whenComplete((outcome, failure) -> open.release()));
    }
    int cancelled = 0;
    int finishedFirst = 0;
    Map<String, Integer> other = new TreeMap<>();
    for (CaptionStream.Outcome outcome : Suite.join(futures, Duration.ofSeconds(300))) {
      if (outcome.code() == Status.Code.CANCELLED) {
        cancelled++;
      } else if (outcome.completed()) {
        finishedFirst++;
      } else {
        other.merge(OverloadScenario.describe(outcome), 1, Integer::sum);
      }
    }
    return new Storm(cancelled, finishedFirst, other);
  }

  /** How the storm's streams ended. */
  private record Storm(int cancelled, int finishedFirst, Map<String, Integer> other) {}

  static ScenarioResult run(Suite suite) throws IOException, InterruptedException {
    ServerProcess server = suite.mainServer();
    ManagedChannel channel = suite.mainChannel();
    Plan plan = suite.plan();
    PrometheusText before = server.scrape();
    Storm storm = storm(suite, channel);
    int cancelled = storm.cancelled();
    int finishedFirst = storm.finishedFirst();
    Map<String, Integer> other = storm.other();
    suite.progress(
        NAME,
        "%d streams: %d cancelled, %d finished before their cancel; now %d normal requests",
        plan.cancelStreams(),
        cancelled,
        finishedFirst,
        plan.afterCancel());
    List<CaptionStream.Outcome> normal =
        suite.closedLoop(
            channel, plan.afterCancel(), suite.plan().maxBatch(), i -> suite.request(i, "none"));
    long ok = normal.stream().filter(CaptionStream.Outcome::completed).count();
    long inFlightMillis =
        Suite.awaitGauge(server, "gcg_requests_in_flight", 0, Duration.ofSeconds(10));
    long queuedMillis = Suite.awaitGauge(server, "gcg_requests_queued", 0, Duration.ofSeconds(10));
    PrometheusText after = server.scrape();
    double serverCancelled =
        after.sum("gcg_requests_total", "status", "CANCELLED")
            - before.sum("gcg_requests_total", "status", "CANCELLED");
    double releases =
        after.sum("gcg_cancellation_release_seconds_count")
            - before.sum("gcg_cancellation_release_seconds_count");
    double releaseSeconds =
        after.sum("gcg_cancellation_release_seconds_sum")
            - before.sum("gcg_cancellation_release_seconds_sum");
    String figures =
        String.format(
            java.util.Locale.ROOT,
            "%d streams cancelled at random points (seed %d): %d CANCELLED, %d finished first,"
                + " other %s; server counted %.0f CANCELLED, %.0f releases, mean release %s ms;"
                + " then %d of %d normal requests completed; gcg_requests_in_flight 0 after %d ms,"
                + " gcg_requests_queued 0 after %d ms",
            plan.cancelStreams(),
            plan.seed(),
            cancelled,
            finishedFirst,
            other,
            serverCancelled,
            releases,
            Stats.f1(releases == 0 ? Double.NaN : 1000 * releaseSeconds / releases),
            ok,
            plan.afterCancel(),
            inFlightMillis,
            queuedMillis);
    ScenarioResult.Checks checks =
        new ScenarioResult.Checks()
            .require("every storm stream CANCELLED or completed", other.isEmpty())
            .require("streams were cancelled", cancelled > 0)
            .require(
                plan.afterCancel() + " of " + plan.afterCancel() + " after the storm complete",
                ok == plan.afterCancel())
            .require(
                "in flight and queued return to 0 within 10 s",
                inFlightMillis >= 0 && queuedMillis >= 0);
    return new ScenarioResult(NAME, figures, checks.list());
  }
}
