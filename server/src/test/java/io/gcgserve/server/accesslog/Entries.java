package io.gcgserve.server.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Entries and file readers for the access log tests. */
final class Entries {

  private Entries() {}

  /** A finished OK request with id {@code requestId}. */
  static AccessLogEntry entry(String requestId) {
    return new AccessLogEntry(
        AccessLogEntry.SCHEMA,
        requestId,
        "2026-06-11T12:00:00.000Z",
        "ipv4:127.0.0.1:50000",
        "pruning-ab",
        "fastv",
        0.5,
        0,
        "hashed",
        "fastv",
        Map.of("keep_ratio", "0.25"),
        "ab".repeat(32),
        576,
        144,
        0.31,
        1.5,
        120.0,
        800.0,
        125.0,
        921.5,
        40,
        3,
        "OK",
        "EOS",
        null,
        null,
        null);
  }

  /** The request ids of the lines of {@code file}, each line parsed as an entry. */
  static List<String> requestIds(Path file) throws IOException {
    return lines(file).stream().map(line -> AccessLogEntry.parse(line).requestId()).toList();
  }

  /** The lines of {@code file}, checking it ends in a line break when not empty. */
  static List<String> lines(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    if (!text.isEmpty()) {
      assertThat(text).endsWith("\n");
    }
    return text.lines().toList();
  }

  /** Waits (up to 10 s) for {@code condition}, failing with {@code what} if it never holds. */
  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 2000; i++) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("never happened: " + what);
  }
}
