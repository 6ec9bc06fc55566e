package io.gcgserve.loadtest;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.SynchronizedHistogram;
import org.jspecify.annotations.Nullable;

/**
 * The live progress line: elapsed time, send rate, streams in flight, outcomes so far and the p50
 * TTFT so far (from the intended send). On a terminal it rewrites one line each second; otherwise
 * it prints a line every five seconds.
 */
final class Progress {

  private final @Nullable PrintStream out;
  private final boolean terminal;
  private final Clock clock;
  private final String label;
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicInteger ended = new AtomicInteger();
  private final AtomicInteger good = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final SynchronizedHistogram ttft = new SynchronizedHistogram(3_600_000_000L, 3);
  private volatile long start;
  private @Nullable ScheduledExecutorService ticker;
  private @Nullable ScheduledFuture<?> task;
  private int ticks;

  /** Prints to {@code out}, or nowhere when it is null. */
  Progress(@Nullable PrintStream out, Clock clock, String label) {
    this.out = out;
    this.terminal = System.console() != null;
    this.clock = clock;
    this.label = label;
  }

  void begin(long startNanos) {
    start = startNanos;
    if (out == null) {
      return;
    }
    ticker =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "gcg-loadtest-progress");
              thread.setDaemon(true);
              return thread;
            });
    task = ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
  }

  void sent() {
    sent.incrementAndGet();
  }

  void ended(RequestRecord record) {
    ended.incrementAndGet();
    if (record.ok()) {
      good.incrementAndGet();
    } else if (!RequestRecord.CANCELLED.equals(record.outcome())) {
      failed.incrementAndGet();
    }
    Double value = record.ttftMs();
    if (value != null && value >= 0) {
      ttft.recordValue(Math.round(value * 1000));
    }
  }

  private void tick() {
    ticks++;
    if (!terminal && ticks % 5 != 0) {
      return;
    }
    PrintStream target = out;
    if (target == null) {
      return;
    }
    String line = line();
    if (terminal) {
      target.print("\r" + line + "   ");
    } else {
      target.println(line);
    }
    target.flush();
  }

  /** The progress line now. */
  String line() {
    double elapsed = Math.max(1e-9, (clock.nanoTime() - start) / 1e9);
    int sentNow = sent.get();
    return String.format(
        Locale.ROOT,
        "%s t=%.0fs sent %d (%.2f/s) in flight %d ok %d errors %d ttft p50 %s",
        label,
        elapsed,
        sentNow,
        sentNow / elapsed,
        sentNow - ended.get(),
        good.get(),
        failed.get(),
        ttft.getTotalCount() == 0
            ? "-"
            : String.format(Locale.ROOT, "%.0f ms", ttft.getValueAtPercentile(50) / 1000.0));
  }

  void finish() {
    ScheduledFuture<?> running = task;
    if (running != null) {
      running.cancel(false);
    }
    ScheduledExecutorService executor = ticker;
    if (executor != null) {
      executor.shutdownNow();
    }
    PrintStream target = out;
    if (target != null) {
      target.print(terminal ? "\r" + line() + "\n" : line() + "\n");
      target.flush();
    }
  }
}
