package io.gcgserve.server.accesslog;

import static io.gcgserve.server.accesslog.Entries.await;
import static io.gcgserve.server.accesslog.Entries.entry;
import static io.gcgserve.server.accesslog.Entries.requestIds;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class AccessLogTest {

  @TempDir Path dir;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final FaultyOpener opener = new FaultyOpener();

  private AccessLog open(AccessLogOptions options) throws IOException {
    return AccessLog.open(options, registry, opener, AccessLog.FILE_CHECK_INTERVAL);
  }

  @Test
  void concurrentRecordersWriteEveryLineOnceAsValidJson() throws Exception {
    Path file = dir.resolve("access.log");
    int threads = 8;
    int perThread = 500;
    AccessLog log = open(AccessLogOptions.appendingTo(file).withQueueCapacity(threads * perThread));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      done.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                  log.record(entry("t" + thread + "-" + i));
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> future : done) {
      future.get();
    }
    pool.shutdown();
    log.close();

    List<String> ids = requestIds(file);
    Set<String> expected = new HashSet<>();
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < perThread; i++) {
        expected.add("t" + t + "-" + i);
      }
    }
    assertThat(ids).hasSize(threads * perThread).doesNotHaveDuplicates();
    assertThat(new HashSet<>(ids)).isEqualTo(expected);
    assertThat(log.linesWritten()).isEqualTo(threads * perThread);
    for (String reason : AccessLogMetrics.REASONS) {
      assertThat(log.linesDropped(reason)).as(reason).isZero();
    }
  }

  @Test
  void fullQueueDropsAndCountsWhileRecordReturns() throws Exception {
    Path file = dir.resolve("access.log");
    AccessLog log = open(AccessLogOptions.appendingTo(file).withQueueCapacity(4));
    opener.stall();
    log.record(entry("first"));
    opener.awaitStalledWrite();
    // The writer is blocked inside a write: four lines fill the queue, three more find it full.
    // If record() waited for room, this thread would never get past the loop: only it releases.
    for (int i = 0; i < 7; i++) {
      log.record(entry("r" + i));
    }
    assertThat(log.linesDropped(AccessLogMetrics.QUEUE_FULL)).isEqualTo(3);
    opener.release();
    log.close();

    assertThat(requestIds(file)).containsExactly("first", "r0", "r1", "r2", "r3");
    assertThat(log.linesWritten()).isEqualTo(5);
  }

  @Test
  void closeWaitsForTheQueueToDrain() throws Exception {
    Path file = dir.resolve("access.log");
    AccessLog log = open(AccessLogOptions.appendingTo(file));
    opener.stall();
    log.record(entry("first"));
    opener.awaitStalledWrite();
    for (int i = 0; i < 50; i++) {
      log.record(entry("r" + i));
    }
    opener.release();
    log.close();

    assertThat(requestIds(file)).hasSize(51).startsWith("first", "r0").endsWith("r49");
    assertThat(log.writerEnded()).isTrue();
  }

  @Test
  void closeGivesUpOnAStuckDiskAndCountsWhatWasLeft() throws Exception {
    Path file = dir.resolve("access.log");
    AccessLog log = open(AccessLogOptions.appendingTo(file));
    opener.stall();
    log.record(entry("first"));
    opener.awaitStalledWrite();
    for (int i = 0; i < 10; i++) {
      log.record(entry("r" + i));
    }
    log.close();
    assertThat(log.linesDropped(AccessLogMetrics.CLOSED)).isEqualTo(10);

    opener.release();
    await("the writer ends", log::writerEnded);
    assertThat(requestIds(file)).containsExactly("first");
  }

  @Test
  void linesRecordedAfterCloseAreDroppedAndCounted() throws Exception {
    Path file = dir.resolve("access.log");
    AccessLog log = open(AccessLogOptions.appendingTo(file));
    log.record(entry("before"));
    log.close();
    log.record(entry("after"));
    log.close();

    assertThat(requestIds(file)).containsExactly("before");
    assertThat(log.linesDropped(AccessLogMetrics.CLOSED)).isEqualTo(1);
  }

  @Test
  void standardOutputModeWritesLinesToTheStream() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, false, StandardCharsets.UTF_8);
    AccessLog log =
        new AccessLog(
            AccessLogOptions.standardOutput(),
            registry,
            new PrintStreamSink(out),
            AccessLog.FILE_CHECK_INTERVAL);
    log.record(entry("a"));
    log.record(entry("b"));
    log.close();

    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text).endsWith("\n");
    assertThat(text.lines().map(line -> AccessLogEntry.parse(line).requestId()))
        .containsExactly("a", "b");
  }

  @Test
  void openWithDashWritesToSystemOut() throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, false, StandardCharsets.UTF_8));
    try {
      AccessLog log = AccessLog.open(AccessLogOptions.forTarget("-"), registry);
      log.record(entry("to-stdout"));
      log.close();
    } finally {
      System.setOut(original);
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .singleElement()
        .extracting(line -> AccessLogEntry.parse(line).requestId())
        .isEqualTo("to-stdout");
  }

  @Test
  void aBrokenStandardOutputCountsIoErrors() throws Exception {
    OutputStream broken =
        new OutputStream() {
          @Override
          public void write(int oneByte) throws IOException {
            throw new IOException("Broken pipe (test)");
          }
        };
    AccessLog log =
        new AccessLog(
            AccessLogOptions.standardOutput(),
            registry,
            new PrintStreamSink(new PrintStream(broken, false, StandardCharsets.UTF_8)),
            AccessLog.FILE_CHECK_INTERVAL);
    log.record(entry("lost"));
    log.close();

    assertThat(log.linesDropped(AccessLogMetrics.IO_ERROR)).isEqualTo(1);
    assertThat(log.linesWritten()).isZero();
  }

  @Test
  void offRecordsNothingAndClosesQuietly() {
    AccessLog log = AccessLog.off();
    log.record(entry("ignored"));
    log.close();
    log.record(entry("ignored too"));

    assertThat(log.enabled()).isFalse();
    assertThat(log.linesWritten()).isZero();
    assertThat(log.linesDropped(AccessLogMetrics.CLOSED)).isZero();
  }

  @Test
  void metricsAreExportedUnderTheirNames() throws Exception {
    Path file = dir.resolve("access.log");
    AccessLog log = open(AccessLogOptions.appendingTo(file).withQueueCapacity(2));
    opener.stall();
    log.record(entry("first"));
    opener.awaitStalledWrite();
    log.record(entry("queued-1"));
    log.record(entry("queued-2"));
    log.record(entry("dropped"));
    String stalled = scrape();
    opener.release();
    log.close();
    log.record(entry("late"));
    String closed = scrape();

    assertThat(stalled)
        .contains("gcg_access_log_queue_lines 2.0")
        .contains("gcg_access_log_dropped_total{reason=\"queue_full\"} 1.0")
        .contains("gcg_access_log_dropped_total{reason=\"io_error\"} 0.0");
    assertThat(closed)
        .contains("gcg_access_log_lines_total 3.0")
        .contains("gcg_access_log_queue_lines 0.0")
        .contains("gcg_access_log_dropped_total{reason=\"closed\"} 1.0");
  }

  private String scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }
}
