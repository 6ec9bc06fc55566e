package io.gcgserve.server.accesslog;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log's writer thread: drains the queue into a batch of whole lines and hands the batch
 * to the sink when the queue is empty (so {@code tail -f} sees lines promptly), when it is large,
 * and at least every {@link #FLUSH_INTERVAL} under load. A batch that fails to write is dropped and
 * counted ({@code io_error}); the sink reopens on the next batch. Warnings are rate limited to one
 * per {@link #WARNING_INTERVAL}, each naming the lines dropped since the last.
 */
final class LogWriter implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(LogWriter.class);

  /** The longest a written line waits in the batch under load. */
  static final Duration FLUSH_INTERVAL = Duration.ofSeconds(1);

  /** At most one warning per this interval. */
  static final Duration WARNING_INTERVAL = Duration.ofSeconds(10);

  private static final int BATCH_BYTES = 64 * 1024;
  private static final long POLL_MILLIS = 100;

  private final BlockingQueue<AccessLogEntry> queue;
  private final LogSink sink;
  private final AccessLogMetrics metrics;
  private final long checkIntervalNanos;
  private volatile boolean stopping;
  private volatile boolean abandoned;
  private byte[] batch = new byte[BATCH_BYTES];
  private int batchBytes;
  private int batchLines;
  private long lastFlush;
  private long lastCheck;
  private long lastWarning;
  private boolean warned;
  private long droppedSinceWarning;

  /**
   * A writer for {@code queue} into {@code sink}.
   *
   * @param checkInterval how often, at most, to check that the path still names the open file
   */
  LogWriter(
      BlockingQueue<AccessLogEntry> queue,
      LogSink sink,
      AccessLogMetrics metrics,
      Duration checkInterval) {
    this.queue = requireNonNull(queue, "queue is null");
    this.sink = requireNonNull(sink, "sink is null");
    this.metrics = requireNonNull(metrics, "metrics is null");
    this.checkIntervalNanos = checkInterval.toNanos();
    lastFlush = System.nanoTime();
    lastCheck = lastFlush;
  }

  /**
   * Asks the writer to write what is queued and end. Call only after the log stopped accepting
   * lines, so that an empty queue means nothing more will come.
   */
  void stop() {
    stopping = true;
  }

  /** Asks the writer to end after its current line, dropping what is left as {@code closed}. */
  void abandon() {
    abandoned = true;
    stopping = true;
  }

  @Override
  public void run() {
    try {
      while (!abandoned) {
        // Read the flag before polling: once stopping is seen, an empty poll means done.
        boolean last = stopping;
        AccessLogEntry entry = poll();
        if (entry == null) {
          flush();
          if (last) {
            break;
          }
        } else {
          take(entry);
        }
      }
    } finally {
      if (abandoned) {
        metrics.dropped(AccessLogMetrics.CLOSED, batchLines);
        clearBatch();
      } else {
        flush();
      }
      closeSink();
    }
  }

  private @Nullable AccessLogEntry poll() {
    try {
      return queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      // Nobody interrupts this thread on purpose (an interrupt would close a file channel mid
      // write); treat one as a request to drain and stop.
      stopping = true;
      return null;
    }
  }

  private void take(AccessLogEntry entry) {
    byte[] line;
    try {
      line = (entry.toJsonLine() + "\n").getBytes(UTF_8);
    } catch (RuntimeException e) {
      metrics.dropped(AccessLogMetrics.IO_ERROR, 1);
      warn("could not serialize a line", e, 1);
      return;
    }
    long now = System.nanoTime();
    if (now - lastCheck >= checkIntervalNanos) {
      lastCheck = now;
      flush();
      try {
        sink.followPath();
      } catch (IOException | RuntimeException e) {
        sink.abandon();
        warn("could not reopen after the file was moved", e, 0);
      }
    }
    if (sink.shouldRotate(batchBytes, line.length)) {
      flush();
      try {
        sink.rotate();
      } catch (IOException | RuntimeException e) {
        sink.abandon();
        warn("could not rotate", e, 0);
      }
    }
    append(line);
    if (batchBytes >= BATCH_BYTES
        || queue.isEmpty()
        || now - lastFlush >= FLUSH_INTERVAL.toNanos()) {
      flush();
    }
  }

  private void append(byte[] line) {
    if (batchBytes + line.length > batch.length) {
      batch = Arrays.copyOf(batch, Math.max(batch.length * 2, batchBytes + line.length));
    }
    System.arraycopy(line, 0, batch, batchBytes, line.length);
    batchBytes += line.length;
    batchLines++;
  }

  private void flush() {
    lastFlush = System.nanoTime();
    if (batchLines == 0) {
      return;
    }
    try {
      sink.write(batch, 0, batchBytes);
      metrics.written(batchLines);
    } catch (IOException | RuntimeException e) {
      sink.abandon();
      metrics.dropped(AccessLogMetrics.IO_ERROR, batchLines);
      warn("could not write", e, batchLines);
    } finally {
      clearBatch();
    }
  }

  private void clearBatch() {
    batchBytes = 0;
    batchLines = 0;
    if (batch.length > 4 * BATCH_BYTES) {
      batch = new byte[BATCH_BYTES];
    }
  }

  private void closeSink() {
    try {
      sink.close();
    } catch (IOException | RuntimeException e) {
      log.warn("access log {}: could not close: {}", sink.describe(), e.toString());
    }
  }

  private void warn(String what, Exception cause, long droppedLines) {
    droppedSinceWarning += droppedLines;
    long now = System.nanoTime();
    if (warned && now - lastWarning < WARNING_INTERVAL.toNanos()) {
      return;
    }
    warned = true;
    lastWarning = now;
    log.warn(
        "access log {}: {}: {}; {} line(s) dropped since the last warning; serving continues and"
            + " the next line retries",
        sink.describe(),
        what,
        cause.toString(),
        droppedSinceWarning);
    droppedSinceWarning = 0;
  }
}
