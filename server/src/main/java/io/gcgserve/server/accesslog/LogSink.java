package io.gcgserve.server.accesslog;

import java.io.IOException;

/**
 * Where the writer thread puts whole lines: a file ({@link FileSink}) or a print stream ({@link
 * PrintStreamSink}). Used by the writer thread alone, so implementations need no locking.
 */
interface LogSink {

  /**
   * Writes whole lines and hands them to the operating system, (re)opening the target first when no
   * stream is open.
   */
  void write(byte[] bytes, int offset, int length) throws IOException;

  /**
   * Whether the target should be rotated before a line of {@code lineBytes} joins {@code
   * pendingBytes} not yet written: only when something would precede the line in the file.
   */
  boolean shouldRotate(long pendingBytes, long lineBytes);

  /** Moves the current file aside (FILE to FILE.1, ...) and opens a new one. */
  void rotate() throws IOException;

  /**
   * Reopens the target when its path no longer names the open file (moved or deleted by someone
   * else, e.g. logrotate); does nothing otherwise.
   */
  void followPath() throws IOException;

  /** Closes the open stream after a failure, ignoring errors; the next write reopens. */
  void abandon();

  /** Closes the open stream for good. */
  void close() throws IOException;

  /** The target for log messages: a path, or {@code -}. */
  String describe();
}
