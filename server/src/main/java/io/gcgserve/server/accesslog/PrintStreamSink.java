package io.gcgserve.server.accesslog;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.PrintStream;

/**
 * Lines to a print stream: standard output for {@code --access-log -}. A print stream reports
 * failures only through {@link PrintStream#checkError()}, which stays set once set, so a broken
 * stream (a closed pipe) drops every later line and is counted as an I/O error.
 */
final class PrintStreamSink implements LogSink {

  private final PrintStream out;

  /** Writes to {@code out}, which this sink flushes but never closes. */
  PrintStreamSink(PrintStream out) {
    this.out = requireNonNull(out, "out is null");
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    out.write(bytes, offset, length);
    out.flush();
    if (out.checkError()) {
      throw new IOException("standard output failed (closed or full)");
    }
  }

  @Override
  public boolean shouldRotate(long pendingBytes, long lineBytes) {
    return false;
  }

  @Override
  public void rotate() {}

  @Override
  public void followPath() {}

  @Override
  public void abandon() {}

  @Override
  public void close() {
    out.flush();
  }

  @Override
  public String describe() {
    return AccessLogOptions.STDOUT;
  }
}
