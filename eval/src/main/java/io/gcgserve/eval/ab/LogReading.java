package io.gcgserve.eval.ab;

import io.gcgserve.server.accesslog.AccessLogEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What reading an access log found: every entry that parsed, in file order, and an account of the
 * lines that did not.
 *
 * @param file the log read
 * @param lines lines read, blank ones included
 * @param entries the entries that parsed, in file order
 * @param malformed lines that are not access log entries (the incomplete last line excluded)
 * @param malformedExamples the first few malformed lines: line number → why
 * @param truncatedLastLine whether the last line had no line break and did not parse (the server
 *     was still writing it); it is not counted as malformed
 */
public record LogReading(
    Path file,
    long lines,
    List<AccessLogEntry> entries,
    long malformed,
    Map<Long, String> malformedExamples,
    boolean truncatedLastLine) {

  /** How many malformed lines are kept as examples. */
  public static final int EXAMPLES = 5;

  /** Defensive copies. */
  public LogReading {
    entries = List.copyOf(entries);
    malformedExamples = Map.copyOf(malformedExamples);
  }
}
