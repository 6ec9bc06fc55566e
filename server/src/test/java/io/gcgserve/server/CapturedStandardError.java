package io.gcgserve.server;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Copies what is written to {@code System.err} while open, for tests that check the server log
 * (slf4j-simple writes to the current {@code System.err}); the original stream still gets it all.
 */
final class CapturedStandardError implements AutoCloseable {

  private final PrintStream original = System.err;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  CapturedStandardError() {
    PrintStream copy = new PrintStream(captured, true, StandardCharsets.UTF_8);
    System.setErr(
        new PrintStream(
            new java.io.OutputStream() {
              @Override
              public void write(int oneByte) {
                original.write(oneByte);
                copy.write(oneByte);
              }

              @Override
              public void write(byte[] bytes, int offset, int length) {
                original.write(bytes, offset, length);
                copy.write(bytes, offset, length);
              }
            },
            true,
            StandardCharsets.UTF_8));
  }

  /** Everything written so far. */
  synchronized String text() {
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}
