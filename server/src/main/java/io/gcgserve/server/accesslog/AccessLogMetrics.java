package io.gcgserve.server.accesslog;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The access log's Prometheus metrics: lines written, lines dropped by reason, and the queue's
 * length. Every reason is registered at zero, so a dashboard sees the series before the first drop.
 */
final class AccessLogMetrics {

  /** A line that found the queue full: the writer cannot keep up, or is stuck on the disk. */
  static final String QUEUE_FULL = "queue_full";

  /** A line lost to a failed write, open or serialization (a full disk, a closed pipe). */
  static final String IO_ERROR = "io_error";

  /** A line recorded after close began, or still queued when the drain timed out. */
  static final String CLOSED = "closed";

  /** Every {@code reason} label value. */
  static final List<String> REASONS = List.of(QUEUE_FULL, IO_ERROR, CLOSED);

  private final Counter lines;
  private final Counter dropped;

  /**
   * Creates the metrics and registers them with {@code registry}, or with none when it is {@code
   * null} (a log that is off).
   *
   * @param queueLength read at each scrape for {@code gcg_access_log_queue_lines}
   */
  AccessLogMetrics(@Nullable PrometheusRegistry registry, IntSupplier queueLength) {
    Counter.Builder linesBuilder =
        Counter.builder()
            .name("gcg_access_log_lines_total")
            .help("Access log lines written (handed to the file or standard output).");
    Counter.Builder droppedBuilder =
        Counter.builder()
            .name("gcg_access_log_dropped_total")
            .help(
                "Access log lines dropped: queue_full (the writer fell behind), io_error (a"
                    + " write or open failed, e.g. a full disk), closed (recorded after close).")
            .labelNames("reason");
    GaugeWithCallback.Builder queueBuilder =
        GaugeWithCallback.builder()
            .name("gcg_access_log_queue_lines")
            .help("Access log lines waiting for the writer thread now.")
            .callback(callback -> callback.call(queueLength.getAsInt()));
    if (registry == null) {
      lines = linesBuilder.build();
      dropped = droppedBuilder.build();
      queueBuilder.build();
    } else {
      lines = linesBuilder.register(registry);
      dropped = droppedBuilder.register(registry);
      queueBuilder.register(registry);
    }
    for (String reason : REASONS) {
      dropped.labelValues(reason);
    }
  }

  /** Counts {@code count} lines written. */
  void written(long count) {
    if (count > 0) {
      lines.inc(count);
    }
  }

  /** Counts {@code count} lines dropped for {@code reason}, one of {@link #REASONS}. */
  void dropped(String reason, long count) {
    if (count > 0) {
      dropped.labelValues(reason).inc(count);
    }
  }

  /** Lines written so far. */
  long writtenCount() {
    return (long) lines.get();
  }

  /** Lines dropped so far for {@code reason}. */
  long droppedCount(String reason) {
    return (long) dropped.labelValues(reason).get();
  }
}
