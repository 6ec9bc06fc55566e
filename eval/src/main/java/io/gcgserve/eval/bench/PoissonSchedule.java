package io.gcgserve.eval.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.jspecify.annotations.NullMarked;

/**
 * Arrival times of an open-loop load: a Poisson process of a given rate, so inter-arrival gaps are
 * exponential. The same seed, rate and duration always give the same schedule.
 */
@NullMarked
final class PoissonSchedule {

  private PoissonSchedule() {}

  /**
   * Arrival offsets in nanoseconds from the start, ascending, every one before {@code seconds}.
   *
   * @param seed random seed
   * @param ratePerSecond mean arrivals per second, positive
   * @param seconds length of the arrival window, positive
   */
  static long[] arrivalOffsetsNanos(long seed, double ratePerSecond, double seconds) {
    if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("rate must be a positive number, got " + ratePerSecond);
    }
    if (!(seconds > 0) || Double.isInfinite(seconds)) {
      throw new IllegalArgumentException("duration must be a positive number, got " + seconds);
    }
    SplittableRandom random = new SplittableRandom(seed);
    long[] offsets = new long[Math.max(16, (int) Math.min(1 << 20, 2 * ratePerSecond * seconds))];
    int count = 0;
    double time = 0;
    while (true) {
      // inverse CDF of the exponential distribution; 1 - u is in (0, 1], so the log is finite
      time += -Math.log(1 - random.nextDouble()) / ratePerSecond;
      if (time >= seconds) {
        return Arrays.copyOf(offsets, count);
      }
      if (count == offsets.length) {
        offsets = Arrays.copyOf(offsets, offsets.length * 2);
      }
      offsets[count++] = (long) (time * 1e9);
    }
  }
}
