package io.gcgserve.eval.ab;

import io.gcgserve.server.accesslog.AccessLogEntry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * Reads an access log that the server may still be appending to: the file up to the size it had
 * when reading began (a consistent snapshot), line by line. A line that does not parse is counted
 * and skipped; the last line, when it has no line break and does not parse, is the one being
 * written and is reported as truncated rather than malformed.
 */
public final class AccessLogReader {

  private static final int PROGRESS_EVERY = 100_000;

  private AccessLogReader() {}

  /**
   * Reads {@code file}.
   *
   * @param progress told the number of lines read every {@value #PROGRESS_EVERY} lines
   */
  public static LogReading read(Path file, LongConsumer progress) throws IOException {
    List<AccessLogEntry> entries = new ArrayList<>();
    Map<Long, String> examples = new TreeMap<>();
    long malformed = 0;
    long lineNumber = 0;
    boolean truncated = false;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      boolean endsWithBreak = size == 0 || lastByte(channel, size) == '\n';
      InputStream snapshot = new LimitedInputStream(Channels.newInputStream(channel), size);
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(snapshot, StandardCharsets.UTF_8))) {
        String line = reader.readLine();
        while (line != null) {
          lineNumber++;
          String next = reader.readLine();
          if (!line.isBlank()) {
            try {
              entries.add(AccessLogEntry.parse(line));
            } catch (IllegalArgumentException e) {
              if (next == null && !endsWithBreak) {
                truncated = true;
              } else {
                malformed++;
                if (examples.size() < LogReading.EXAMPLES) {
                  examples.put(lineNumber, String.valueOf(e.getMessage()));
                }
              }
            }
          }
          if (lineNumber % PROGRESS_EVERY == 0) {
            progress.accept(lineNumber);
          }
          line = next;
        }
      }
    }
    return new LogReading(file, lineNumber, entries, malformed, examples, truncated);
  }

  private static int lastByte(FileChannel channel, long size) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(1);
    channel.read(buffer, size - 1);
    return buffer.get(0);
  }

  /** The first {@code limit} bytes of a stream. */
  private static final class LimitedInputStream extends InputStream {
    private final InputStream in;
    private long left;

    LimitedInputStream(InputStream in, long limit) {
      this.in = in;
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int value = in.read();
      if (value >= 0) {
        left--;
      }
      return value;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int read = in.read(buffer, offset, (int) Math.min(length, left));
      if (read > 0) {
        left -= read;
      }
      return read;
    }
  }
}
