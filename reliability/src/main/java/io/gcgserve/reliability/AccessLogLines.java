package io.gcgserve.reliability;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the server's access log (server/README.md#access-log): the {@code total_ms} of the lines
 * with a given status, which for a refused request is the time the server's handler took from the
 * call's start to the refusal.
 */
final class AccessLogLines {

  private static final Pattern TOTAL_MS = Pattern.compile("\"total_ms\":([0-9.eE+-]+)");

  private AccessLogLines() {}

  /** The log's size now (0 when it does not exist yet). */
  static long size(Path log) throws IOException {
    return Files.exists(log) ? Files.size(log) : 0;
  }

  /**
   * The {@code total_ms} of the lines written after {@code offset} with {@code status}, waiting up
   * to 10 s for {@code expected} of them (the log is written by a background thread).
   */
  static List<Double> totalMillis(Path log, long offset, String status, int expected)
      throws IOException, InterruptedException {
    List<Double> millis = read(log, offset, status);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (millis.size() < expected && System.nanoTime() < deadline) {
      Thread.sleep(200);
      millis = read(log, offset, status);
    }
    return millis;
  }

  private static List<Double> read(Path log, long offset, String status) throws IOException {
    List<Double> millis = new ArrayList<>();
    if (!Files.exists(log)) {
      return millis;
    }
    String text;
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      file.seek(offset);
      byte[] bytes = new byte[(int) (file.length() - offset)];
      file.readFully(bytes);
      text = new String(bytes, StandardCharsets.UTF_8);
    }
    String statusField = "\"status\":\"" + status + "\"";
    for (String line : text.split("\n")) {
      if (line.contains(statusField)) {
        Matcher matcher = TOTAL_MS.matcher(line);
        if (matcher.find()) {
          millis.add(Double.parseDouble(matcher.group(1)));
        }
      }
    }
    return millis;
  }
}
