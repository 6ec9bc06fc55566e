package io.gcgserve.server.accesslog;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one JSON line per finished request ({@link AccessLogEntry#toJsonLine()}), written
 * off the request path by one daemon thread. Thread safe.
 *
 * <p>{@link #record} never blocks and never throws: it puts the entry on a bounded queue, and a
 * full queue drops the line (counted as {@code queue_full}). The writer thread appends lines in
 * UTF-8, one per line break, and hands them to the operating system as soon as the queue runs empty
 * and at least once a second. A failed write or open (a full disk) drops the lines it carried
 * (counted as {@code io_error}), logs a warning at most every ten seconds, and the next line
 * reopens the file; serving is never disturbed. When the path stops naming the open file (logrotate
 * moved it, or it was deleted) the next line, checked at most once a second, reopens the path.
 * Built-in rotation, when configured, renames FILE to FILE.1 (and FILE.1 to FILE.2, ...) before a
 * line would take the file past the configured size.
 *
 * <p>Metrics: {@code gcg_access_log_lines_total}, {@code gcg_access_log_dropped_total{reason}}
 * ({@code queue_full}, {@code io_error}, {@code closed}) and {@code gcg_access_log_queue_lines}.
 */
public final class AccessLog implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AccessLog.class);

  /** How long {@link #close()} waits for the queue to drain. */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

  /** How often, at most, the writer checks that the path still names the open file. */
  static final Duration FILE_CHECK_INTERVAL = Duration.ofSeconds(1);

  private static final AccessLog OFF = new AccessLog();

  private final @Nullable BlockingQueue<AccessLogEntry> queue;
  private final @Nullable LogWriter writer;
  private final @Nullable Thread thread;
  private final AccessLogMetrics metrics;
  private final String target;
  private volatile boolean closed;

  private AccessLog() {
    queue = null;
    writer = null;
    thread = null;
    metrics = new AccessLogMetrics(null, () -> 0);
    target = "off";
  }

  /**
   * A log writing to {@code sink}, for {@link #open} and tests (which pass a sink over a failing or
   * stalling stream).
   *
   * @param registry where the metrics are registered; {@code null} registers them nowhere
   * @param fileCheckInterval how often, at most, to check for an externally moved file
   */
  AccessLog(
      AccessLogOptions options,
      @Nullable PrometheusRegistry registry,
      LogSink sink,
      Duration fileCheckInterval) {
    requireNonNull(options, "options is null");
    BlockingQueue<AccessLogEntry> lines = new ArrayBlockingQueue<>(options.queueCapacity());
    queue = lines;
    metrics = new AccessLogMetrics(registry, lines::size);
    target = sink.describe();
    LogWriter drain = new LogWriter(lines, sink, metrics, fileCheckInterval);
    writer = drain;
    Thread daemon = new Thread(drain, "gcg-access-log");
    daemon.setDaemon(true);
    thread = daemon;
    daemon.start();
  }

  /**
   * Opens the log and starts its writer thread. A file is opened (created if absent, appended to)
   * now, so that an unwritable path fails at start rather than at the first request.
   *
   * @param registry where the log's metrics are registered; it must not hold them already
   * @throws IOException when the file cannot be opened
   */
  public static AccessLog open(AccessLogOptions options, PrometheusRegistry registry)
      throws IOException {
    return open(options, registry, StreamOpener.appending(), FILE_CHECK_INTERVAL);
  }

  /** {@link #open} with the file opener and the moved-file check interval given, for tests. */
  static AccessLog open(
      AccessLogOptions options,
      PrometheusRegistry registry,
      StreamOpener opener,
      Duration fileCheckInterval)
      throws IOException {
    requireNonNull(options, "options is null");
    requireNonNull(registry, "registry is null");
    Path file = options.file();
    LogSink sink =
        file == null
            ? new PrintStreamSink(System.out)
            : FileSink.open(file, opener, options.rotateBytes(), options.keepFiles());
    AccessLog opened = new AccessLog(options, registry, sink, fileCheckInterval);
    log.info(
        "access log: {}, queue {} lines{}",
        opened.target,
        options.queueCapacity(),
        options.rotates()
            ? ", rotated at " + options.rotateBytes() + " bytes keeping " + options.keepFiles()
            : "");
    return opened;
  }

  /** The log of a server started without {@code --access-log}: records nothing, no metrics. */
  public static AccessLog off() {
    return OFF;
  }

  /** Whether this log writes anything ({@code false} only for {@link #off()}). */
  public boolean enabled() {
    return queue != null;
  }

  /**
   * Queues one line; returns at once. The line is dropped and counted when the queue is full
   * ({@code queue_full}) or the log is closed ({@code closed}).
   */
  public void record(AccessLogEntry entry) {
    BlockingQueue<AccessLogEntry> lines = queue;
    if (lines == null) {
      return;
    }
    if (closed) {
      metrics.dropped(AccessLogMetrics.CLOSED, 1);
      return;
    }
    if (!lines.offer(entry)) {
      metrics.dropped(AccessLogMetrics.QUEUE_FULL, 1);
      return;
    }
    // Close may have begun between the check and the offer; if the writer may already have seen
    // the queue empty, take the line back (unless the writer or close got it) and count it.
    if (closed && lines.remove(entry)) {
      metrics.dropped(AccessLogMetrics.CLOSED, 1);
    }
  }

  /**
   * Stops accepting lines, waits up to {@link #DRAIN_TIMEOUT} for the queued ones to be written,
   * and closes the file. Lines still queued after the wait (a stuck disk) are dropped and counted
   * ({@code closed}). Idempotent.
   */
  @Override
  public synchronized void close() {
    BlockingQueue<AccessLogEntry> lines = queue;
    LogWriter drain = writer;
    Thread daemon = thread;
    if (lines == null || drain == null || daemon == null || closed) {
      return;
    }
    closed = true;
    drain.stop();
    try {
      daemon.join(DRAIN_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (daemon.isAlive()) {
      drain.abandon();
      log.warn(
          "access log {}: the writer did not drain within {} s; dropping {} queued line(s)",
          target,
          DRAIN_TIMEOUT.toSeconds(),
          lines.size());
    }
    int left = 0;
    while (lines.poll() != null) {
      left++;
    }
    metrics.dropped(AccessLogMetrics.CLOSED, left);
  }

  /** Lines written so far. */
  long linesWritten() {
    return metrics.writtenCount();
  }

  /** Lines dropped so far for {@code reason}. */
  long linesDropped(String reason) {
    return metrics.droppedCount(reason);
  }

  /** Whether the writer thread has ended. */
  boolean writerEnded() {
    return thread == null || !thread.isAlive();
  }

  @Override
  public String toString() {
    return "AccessLog[" + target + "]";
  }
}
