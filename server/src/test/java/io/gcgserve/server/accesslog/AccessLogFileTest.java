package io.gcgserve.server.accesslog;

import static io.gcgserve.server.accesslog.Entries.await;
import static io.gcgserve.server.accesslog.Entries.entry;
import static io.gcgserve.server.accesslog.Entries.lines;
import static io.gcgserve.server.accesslog.Entries.requestIds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The access log's file handling: appending, failures, external and built-in rotation. */
@Timeout(60)
class AccessLogFileTest {

  @TempDir Path dir;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final FaultyOpener opener = new FaultyOpener();

  /** A log that checks for a moved file before every line, so tests need not wait a second. */
  private AccessLog open(AccessLogOptions options) throws IOException {
    return AccessLog.open(options, registry, opener, Duration.ZERO);
  }

  @Test
  void appendsToAnExistingFileWithoutTruncating() throws Exception {
    Path file = dir.resolve("access.log");
    Files.writeString(file, entry("old").toJsonLine() + "\n", StandardCharsets.UTF_8);
    AccessLog log = open(AccessLogOptions.appendingTo(file));
    log.record(entry("new"));
    log.close();

    assertThat(requestIds(file)).containsExactly("old", "new");
  }

  @Test
  void anUnwritablePathFailsAtOpen() {
    Path file = dir.resolve("no-such-dir").resolve("access.log");
    assertThatThrownBy(() -> AccessLog.open(AccessLogOptions.appendingTo(file), registry))
        .isInstanceOf(IOException.class);
  }

  @Test
  void aFullDiskDropsAndCountsLinesAndTheyFlowAgainOnceItHasRoom() throws Exception {
    Path file = dir.resolve("access.log");
    AccessLog log = open(AccessLogOptions.appendingTo(file));
    for (int i = 0; i < 3; i++) {
      log.record(entry("before-" + i));
    }
    await("three lines written", () -> log.linesWritten() == 3);

    opener.failing(true);
    log.record(entry("lost-0"));
    log.record(entry("lost-1"));
    await("two lines dropped", () -> log.linesDropped(AccessLogMetrics.IO_ERROR) == 2);

    opener.failing(false);
    for (int i = 0; i < 3; i++) {
      log.record(entry("after-" + i));
    }
    log.close();

    assertThat(requestIds(file))
        .containsExactly("before-0", "before-1", "before-2", "after-0", "after-1", "after-2");
    assertThat(log.linesWritten()).isEqualTo(6);
    assertThat(log.linesDropped(AccessLogMetrics.IO_ERROR)).isEqualTo(2);
    assertThat(opener.opens()).as("reopened after the failure").isEqualTo(2);
  }

  @Test
  void aLineCutShortByAFullDiskIsEndedBeforeTheNextLine() throws Exception {
    Path file = dir.resolve("access.log");
    AccessLog log = open(AccessLogOptions.appendingTo(file));
    log.record(entry("whole"));
    await("one line written", () -> log.linesWritten() == 1);
    opener.failNextWriteHalfway();
    log.record(entry("cut"));
    await("one line dropped", () -> log.linesDropped(AccessLogMetrics.IO_ERROR) == 1);
    log.record(entry("next"));
    log.close();

    List<String> lines = lines(file);
    assertThat(lines).hasSize(3);
    assertThat(AccessLogEntry.parse(lines.get(0)).requestId()).isEqualTo("whole");
    assertThatThrownBy(() -> AccessLogEntry.parse(lines.get(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(AccessLogEntry.parse(lines.get(2)).requestId()).isEqualTo("next");
  }

  @Test
  void aFileMovedAwayIsReplacedByANewOneAtThePath() throws Exception {
    Path file = dir.resolve("access.log");
    Path moved = dir.resolve("access.log.rotated");
    AccessLog log = open(AccessLogOptions.appendingTo(file));
    log.record(entry("a"));
    log.record(entry("b"));
    await("two lines written", () -> log.linesWritten() == 2);

    Files.move(file, moved);
    log.record(entry("c"));
    log.record(entry("d"));
    log.close();

    assertThat(requestIds(moved)).containsExactly("a", "b");
    assertThat(requestIds(file)).containsExactly("c", "d");
  }

  @Test
  void aDeletedFileIsRecreated() throws Exception {
    Path file = dir.resolve("access.log");
    AccessLog log = open(AccessLogOptions.appendingTo(file));
    log.record(entry("a"));
    await("one line written", () -> log.linesWritten() == 1);

    Files.delete(file);
    log.record(entry("b"));
    log.close();

    assertThat(requestIds(file)).containsExactly("b");
  }

  @Test
  void builtInRotationKeepsTheNewestFilesUnderTheSize() throws Exception {
    Path file = dir.resolve("access.log");
    int lineBytes = (entry("r00").toJsonLine() + "\n").getBytes(StandardCharsets.UTF_8).length;
    long rotateAt = 3L * lineBytes + lineBytes / 2;
    AccessLog log = open(AccessLogOptions.appendingTo(file).withRotation(rotateAt, 2));
    List<String> recorded = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String id = String.format("r%02d", i);
      recorded.add(id);
      log.record(entry(id));
    }
    log.close();

    Path first = dir.resolve("access.log.1");
    Path second = dir.resolve("access.log.2");
    assertThat(dir.resolve("access.log.3")).doesNotExist();
    List<String> kept = new ArrayList<>(requestIds(second));
    kept.addAll(requestIds(first));
    kept.addAll(requestIds(file));
    // 20 lines, 3 per file: the current file has the last 2, the two kept ones 3 each.
    assertThat(kept).isEqualTo(recorded.subList(12, 20));
    assertThat(requestIds(file)).hasSize(2);
    for (Path path : List.of(file, first, second)) {
      assertThat(Files.size(path)).as(path.toString()).isLessThanOrEqualTo(rotateAt);
    }
    assertThat(log.linesWritten()).isEqualTo(20);
  }
}
