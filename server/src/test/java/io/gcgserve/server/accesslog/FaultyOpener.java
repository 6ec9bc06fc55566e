package io.gcgserve.server.accesslog;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test double for the file opener: real appending streams that can be made to fail like a full
 * disk (open and write throw), to write half a batch and then fail, or to stall in write until
 * released.
 */
final class FaultyOpener implements StreamOpener {

  private final StreamOpener real = StreamOpener.appending();
  private final AtomicInteger opens = new AtomicInteger();
  private volatile boolean failing;
  private volatile boolean partialOnce;
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private final CountDownLatch writeStalled = new CountDownLatch(1);

  @Override
  public OutputStream open(Path path) throws IOException {
    if (failing) {
      throw new IOException("No space left on device (test)");
    }
    opens.incrementAndGet();
    return new FilterOutputStream(real.open(path)) {
      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        CountDownLatch current = gate;
        if (current.getCount() > 0) {
          writeStalled.countDown();
          awaitQuietly(current);
        }
        if (failing) {
          throw new IOException("No space left on device (test)");
        }
        if (partialOnce) {
          partialOnce = false;
          out.write(bytes, offset, length / 2);
          throw new IOException("No space left on device (test, after a partial write)");
        }
        out.write(bytes, offset, length);
      }
    };
  }

  /** Makes opens and writes fail (true) or work (false). */
  void failing(boolean fail) {
    failing = fail;
  }

  /** Makes the next write write half its bytes and then fail. */
  void failNextWriteHalfway() {
    partialOnce = true;
  }

  /** Makes writes block until {@link #release()}. */
  void stall() {
    gate = new CountDownLatch(1);
  }

  /** Lets stalled and later writes through. */
  void release() {
    gate.countDown();
  }

  /** Waits until a write is blocked by {@link #stall()}. */
  void awaitStalledWrite() throws InterruptedException {
    if (!writeStalled.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the writer never wrote");
    }
  }

  /** Successful opens so far. */
  int opens() {
    return opens.get();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
