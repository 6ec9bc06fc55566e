package io.gcgserve.loadtest;

import java.util.concurrent.locks.LockSupport;

/**
 * The monotonic clock the scheduler and the stream recorders read. The production clock is {@link
 * System#nanoTime}; a scheduler test substitutes a virtual one.
 */
public interface Clock {

  /** Monotonic time in nanoseconds, from an arbitrary origin. */
  long nanoTime();

  /** Returns once {@link #nanoTime()} has reached {@code deadlineNanos}. */
  void sleepUntil(long deadlineNanos) throws InterruptedException;

  /** The system's monotonic clock. */
  Clock SYSTEM =
      new Clock() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void sleepUntil(long deadlineNanos) throws InterruptedException {
          // Always an absolute target: a late wake-up never delays the arrivals after it.
          long remaining;
          while ((remaining = deadlineNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
            if (Thread.interrupted()) {
              throw new InterruptedException("interrupted while waiting for the next arrival");
            }
          }
        }
      };
}
