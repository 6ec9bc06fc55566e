package io.gcgserve.eval.ab;

import io.gcgserve.server.accesslog.AccessLogEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Builds synthetic access log lines for the report's tests. */
final class LogLines {

  private final List<String> lines = new ArrayList<>();
  private int counter;

  /** One request of {@code arm} with the given status and latencies. */
  LogLines add(String experiment, String arm, double share, String status, double ttftMs) {
    lines.add(
        entry(experiment, arm, share, status, ttftMs, ttftMs + 200, 20, null, null, null)
            .toJsonLine());
    return this;
  }

  /**
   * {@code count} OK requests of {@code arm} with TTFT drawn from N(mean, sd) and total = TTFT +
   * N(400, 40), from {@code seed}.
   */
  LogLines normal(String experiment, String arm, int count, double mean, double sd, long seed) {
    Random random = new Random(seed);
    for (int i = 0; i < count; i++) {
      double ttft = Math.max(1, mean + sd * random.nextGaussian());
      double total = ttft + Math.max(1, 400 + 40 * random.nextGaussian());
      lines.add(entry(experiment, arm, 0.5, "OK", ttft, total, 20, null, null, null).toJsonLine());
    }
    return this;
  }

  /** A request carrying a caption and masks for the image with hash {@code sha256}. */
  LogLines captioned(
      String arm, String sha256, String caption, List<AccessLogEntry.PhraseMask> masks) {
    lines.add(entry("q", arm, 0.5, "OK", 100, 300, 20, sha256, caption, masks).toJsonLine());
    return this;
  }

  /** An OK request of {@code arm} whose line says the arm is {@code index}-th in the file. */
  LogLines indexed(String experiment, String arm, int index, double ttftMs) {
    AccessLogEntry e =
        entry(experiment, arm, 0.5, "OK", ttftMs, ttftMs + 200, 20, null, null, null);
    lines.add(
        new AccessLogEntry(
                e.schema(),
                e.requestId(),
                e.time(),
                e.peer(),
                e.experiment(),
                e.arm(),
                e.armShare(),
                index,
                e.assignment(),
                e.pruner(),
                e.prunerParams(),
                e.imageSha256(),
                e.visualTokensTotal(),
                e.visualTokensKept(),
                e.flopsRatio(),
                e.queueMs(),
                e.prefillMs(),
                e.decodeMs(),
                e.ttftMs(),
                e.totalMs(),
                e.tokens(),
                e.phrases(),
                e.status(),
                e.finishReason(),
                e.caption(),
                e.masks(),
                e.budget())
            .toJsonLine());
    return this;
  }

  /** A raw line, as is. */
  LogLines raw(String line) {
    lines.add(line);
    return this;
  }

  AccessLogEntry entry(
      String experiment,
      String arm,
      double share,
      String status,
      double ttftMs,
      double totalMs,
      int tokens,
      String sha256,
      String caption,
      List<AccessLogEntry.PhraseMask> masks) {
    boolean ok = "OK".equals(status);
    counter++;
    return new AccessLogEntry(
        AccessLogEntry.SCHEMA,
        "req-" + counter,
        "2025-01-01T00:00:00Z",
        "127.0.0.1:5000",
        experiment,
        arm,
        share,
        null,
        "hashed",
        "fastv",
        Map.of("keep_ratio", "0.25"),
        sha256,
        576,
        144,
        ok ? 0.3 : null,
        1.0,
        ok ? ttftMs - 1 : null,
        ok ? totalMs - ttftMs : null,
        ok ? ttftMs : null,
        totalMs,
        ok ? tokens : 0,
        0,
        status,
        ok ? "EOS" : null,
        caption,
        masks,
        null);
  }

  /** Every line, each ended by a line break. */
  String text() {
    StringBuilder text = new StringBuilder();
    lines.forEach(line -> text.append(line).append('\n'));
    return text.toString();
  }

  /** Writes the lines to {@code file}. */
  Path write(Path file) throws IOException {
    Files.writeString(file, text(), StandardCharsets.UTF_8);
    return file;
  }
}
