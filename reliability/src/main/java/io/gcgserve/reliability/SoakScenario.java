package io.gcgserve.reliability;

import io.gcgserve.harness.ServerProcess;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A soak: {@code soakRequests} requests cycling through the pruners none, fastv, pdrop and altp
 * (keep 0.25), {@link #CONCURRENCY} open at a time, with the server JVM's RSS and thread count
 * (/proc/PID/status) sampled every {@link #SAMPLE_MS} ms against the requests completed so far.
 * Flat after warm-up: over the last half of the run the least-squares RSS slope stays under {@link
 * #RSS_SLOPE_LIMIT_MIB_PER_1000} MiB per 1,000 requests and the thread count does not grow.
 */
final class SoakScenario {

  static final String NAME = "soak";

  static final List<String> PRUNERS = List.of("none", "fastv", "pdrop", "altp");

  /** Requests open at a time. */
  static final int CONCURRENCY = 4;

  static final long SAMPLE_MS = 2000;

  /** How long the soak waits for the server to be idle before it starts. */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

  /** See server/README.md#reliability for why this threshold. */
  static final double RSS_SLOPE_LIMIT_MIB_PER_1000 = 10;

  /** Threads the JVM may have more at the end than at the start of the last half. */
  static final long THREAD_GROWTH_LIMIT = 2;

  private record Point(int completed, double rssMib, long threads) {}

  private SoakScenario() {}

  static ScenarioResult run(Suite suite) throws IOException, InterruptedException {
    ServerProcess server = suite.mainServer();
    ManagedChannel channel = suite.mainChannel();
    // start from an idle server: a stream an earlier scenario left draining (the slow reader's)
    // would take one of the places the soak's closed loop fills at the tiny plan's capacity, and so
    // would a cancelled request whose session the engine is still closing (the call itself counts
    // as ended at once); gcg_engine_admitted counts a request until its place is free
    for (String gauge :
        List.of("gcg_requests_in_flight", "gcg_engine_admitted", "gcg_engine_arriving")) {
      if (Suite.awaitGauge(server, gauge, 0, IDLE_TIMEOUT) < 0) {
        return ScenarioResult.failed(
            NAME,
            "the server was not idle before the soak: "
                + gauge
                + " did not reach 0 within "
                + IDLE_TIMEOUT.toSeconds()
                + " s of the previous scenario");
      }
    }
    int total = suite.plan().soakRequests();
    AtomicInteger done = new AtomicInteger();
    List<Point> points = new ArrayList<>();
    Runnable sample =
        () -> {
          OptionalLong rss = server.residentKib();
          OptionalLong threads = server.threads();
          if (rss.isPresent() && threads.isPresent()) {
            synchronized (points) {
              points.add(new Point(done.get(), rss.getAsLong() / 1024.0, threads.getAsLong()));
            }
          }
        };
    long step = Math.max(1, total / 20);
    ScheduledFuture<?> sampler =
        suite.scheduler().scheduleWithFixedDelay(sample, 0, SAMPLE_MS, TimeUnit.MILLISECONDS);
    long start = System.nanoTime();
    List<CaptionStream.Outcome> outcomes;
    try {
      outcomes =
          suite.closedLoop(
              channel,
              total,
              CONCURRENCY,
              i -> {
                int finished = done.get();
                if (i > 0 && i % step == 0) {
                  OptionalLong rss = server.residentKib();
                  suite.progress(
                      NAME,
                      "%d/%d requests sent, %d done, %s s, RSS %s MiB",
                      i,
                      total,
                      finished,
                      Stats.f1((System.nanoTime() - start) / 1e9),
                      rss.isPresent() ? Stats.f1(rss.getAsLong() / 1024.0) : "?");
                }
                return suite.request(i, PRUNERS.get(i % PRUNERS.size()));
              },
              outcome -> done.incrementAndGet());
    } finally {
      sampler.cancel(false);
    }
    sample.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    long ok = outcomes.stream().filter(CaptionStream.Outcome::completed).count();
    // what the requests that did not complete ended with, e.g. {RESOURCE_EXHAUSTED: ...=1}
    Map<String, Integer> other = new TreeMap<>();
    for (CaptionStream.Outcome outcome : outcomes) {
      if (!outcome.completed()) {
        other.merge(outcome.code() + ": " + outcome.description(), 1, Integer::sum);
      }
    }
    List<Point> samples;
    synchronized (points) {
      samples = List.copyOf(points);
    }
    return result(total, ok, other, seconds, samples);
  }

  private static ScenarioResult result(
      int total, long ok, Map<String, Integer> other, double seconds, List<Point> samples) {
    if (samples.isEmpty()) {
      return ScenarioResult.failed(NAME, "no /proc sample of the server could be read");
    }
    List<Point> lastHalf =
        samples.stream().filter(point -> point.completed() >= total / 2).toList();
    double[] x = lastHalf.stream().mapToDouble(Point::completed).toArray();
    double slope = 1000 * Stats.slope(x, lastHalf.stream().mapToDouble(Point::rssMib).toArray());
    double threadSlope =
        1000 * Stats.slope(x, lastHalf.stream().mapToDouble(Point::threads).toArray());
    Point first = samples.get(0);
    Point last = samples.get(samples.size() - 1);
    Point halfway = lastHalf.isEmpty() ? last : lastHalf.get(0);
    double maxRss = samples.stream().mapToDouble(Point::rssMib).max().orElse(Double.NaN);
    long maxThreads = samples.stream().mapToLong(Point::threads).max().orElse(0);
    String figures =
        String.format(
            java.util.Locale.ROOT,
            "%d requests (%s) in %s s, %d completed, other %s; RSS first %s MiB, halfway %s MiB,"
                + " last %s MiB, max %s MiB,"
                + " last-half slope %s MiB per 1000 requests (%d samples); threads first %d,"
                + " halfway %d, last %d, max %d, last-half slope %s per 1000",
            total,
            String.join("/", PRUNERS),
            Stats.f1(seconds),
            ok,
            other,
            Stats.f1(first.rssMib()),
            Stats.f1(halfway.rssMib()),
            Stats.f1(last.rssMib()),
            Stats.f1(maxRss),
            Stats.f2(slope),
            lastHalf.size(),
            first.threads(),
            halfway.threads(),
            last.threads(),
            maxThreads,
            Stats.f2(threadSlope));
    ScenarioResult.Checks checks =
        new ScenarioResult.Checks()
            .require("every request completes", ok == total)
            .measure(
                "RSS slope over the last half < "
                    + Stats.f1(RSS_SLOPE_LIMIT_MIB_PER_1000)
                    + " MiB per 1000 requests",
                slope < RSS_SLOPE_LIMIT_MIB_PER_1000)
            .measure(
                "threads at the end <= halfway + " + THREAD_GROWTH_LIMIT,
                last.threads() <= halfway.threads() + THREAD_GROWTH_LIMIT);
    return new ScenarioResult(NAME, figures, checks.list());
  }
}
