package io.gcgserve.server.accesslog;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Where and how the access log is written.
 *
 * @param file the log file, appended to (created if absent); {@code null} writes to standard output
 * @param queueCapacity lines that may wait for the writer thread; more are dropped and counted
 * @param rotateBytes rotate the file before it would grow past this many bytes; 0 never rotates
 * @param keepFiles rotated files kept, {@code FILE.1} (newest) to {@code FILE.<keepFiles>}; 0 when
 *     {@code rotateBytes} is 0
 */
public record AccessLogOptions(
    @Nullable Path file, int queueCapacity, long rotateBytes, int keepFiles) {

  /** The target that means standard output on the command line. */
  public static final String STDOUT = "-";

  /** Lines that may wait for the writer unless told otherwise. */
  public static final int DEFAULT_QUEUE_CAPACITY = 4096;

  /** The most rotated files a log may keep. */
  public static final int MAX_KEEP_FILES = 1000;

  private static final long MIB = 1024L * 1024L;

  /** Checks the values; see the record's parameters. */
  public AccessLogOptions {
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queue capacity must be at least 1, got " + queueCapacity);
    }
    if (rotateBytes < 0) {
      throw new IllegalArgumentException("rotation size must not be negative, got " + rotateBytes);
    }
    if (rotateBytes == 0 && keepFiles != 0) {
      throw new IllegalArgumentException("kept files (" + keepFiles + ") need a rotation size");
    }
    if (rotateBytes > 0 && (keepFiles < 1 || keepFiles > MAX_KEEP_FILES)) {
      throw new IllegalArgumentException(
          "a rotated log keeps 1.." + MAX_KEEP_FILES + " files, got " + keepFiles);
    }
    if (rotateBytes > 0 && file == null) {
      throw new IllegalArgumentException("standard output cannot be rotated");
    }
  }

  /** Appends to {@code file}, no rotation, the default queue capacity. */
  public static AccessLogOptions appendingTo(Path file) {
    return new AccessLogOptions(file, DEFAULT_QUEUE_CAPACITY, 0, 0);
  }

  /** Writes to standard output with the default queue capacity. */
  public static AccessLogOptions standardOutput() {
    return new AccessLogOptions(null, DEFAULT_QUEUE_CAPACITY, 0, 0);
  }

  /**
   * The options for an {@code --access-log} value: {@value #STDOUT} is standard output, anything
   * else a file path.
   *
   * @throws IllegalArgumentException for an empty value
   */
  public static AccessLogOptions forTarget(String target) {
    if (target.isBlank()) {
      throw new IllegalArgumentException(
          "the access log target is empty (a file, or - for stdout)");
    }
    return target.equals(STDOUT) ? standardOutput() : appendingTo(Path.of(target));
  }

  /** These options with another queue capacity. */
  public AccessLogOptions withQueueCapacity(int capacity) {
    return new AccessLogOptions(file, capacity, rotateBytes, keepFiles);
  }

  /**
   * These options with size-based rotation: before a line would take the file past {@code bytes},
   * the file becomes {@code FILE.1}, the older ones shift up to {@code FILE.<keep>} and the oldest
   * is deleted.
   */
  public AccessLogOptions withRotation(long bytes, int keep) {
    if (bytes < 1) {
      throw new IllegalArgumentException("rotation size must be positive, got " + bytes);
    }
    return new AccessLogOptions(file, queueCapacity, bytes, keep);
  }

  /** {@link #withRotation} with the size in MiB, as the command line gives it. */
  public AccessLogOptions withRotationMib(long mebibytes, int keep) {
    if (mebibytes < 1 || mebibytes > Long.MAX_VALUE / MIB) {
      throw new IllegalArgumentException("rotation size must be a positive MiB count");
    }
    return withRotation(mebibytes * MIB, keep);
  }

  /** Whether the log goes to standard output. */
  public boolean writesToStandardOutput() {
    return file == null;
  }

  /** Whether the file is rotated by size. */
  public boolean rotates() {
    return rotateBytes > 0;
  }

  /** The target as the command line spells it: the file, or {@value #STDOUT}. */
  public String describeTarget() {
    return file == null ? STDOUT : file.toString();
  }
}
