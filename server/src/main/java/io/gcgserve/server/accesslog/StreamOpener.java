package io.gcgserve.server.accesslog;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opens the stream a log file is appended to; tests substitute one that fails or stalls. */
@FunctionalInterface
interface StreamOpener {

  /**
   * Opens {@code path} for appending, creating it if absent. The stream must not buffer: what is
   * written has reached the operating system when {@code write} returns.
   */
  OutputStream open(Path path) throws IOException;

  /** The real opener: an unbuffered stream with CREATE and APPEND, never truncating. */
  static StreamOpener appending() {
    return path ->
        Files.newOutputStream(
            path, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
  }
}
