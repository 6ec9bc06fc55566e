package io.gcgserve.loadtest;

import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.apache.commons.math3.random.Well19937c;

/**
 * Intended send times of an open-loop run. Gaps between arrivals are drawn from the process
 * (exponential for Poisson, gamma with shape {@code burstiness} and mean {@code 1/rate}, or
 * constant), then scaled so that the {@code n - 1} gaps sum to exactly {@code (n - 1) / rate}: the
 * schedule is the process conditioned on its count, so a run of {@code n} arrivals offers exactly
 * the target rate instead of whatever the draw happened to sum to (±1/√n, 4.5% at n = 500). The
 * scheduler then sends each request at {@code start + offset} on the monotonic clock, never after a
 * relative sleep, so lateness does not accumulate.
 */
final class ArrivalSchedule {

  private ArrivalSchedule() {}

  /**
   * Number of arrivals of a run: {@code rate × duration}, capped by {@code maxRequests} (0 = none).
   */
  static int count(double rate, double durationSeconds, int maxRequests) {
    long n = Math.max(1, Math.round(rate * durationSeconds));
    if (maxRequests > 0) {
      n = Math.min(n, maxRequests);
    }
    return (int) Math.min(n, Integer.MAX_VALUE);
  }

  /**
   * Offsets in nanoseconds from the run's start, the first at 0.
   *
   * @param process {@code poisson}, {@code gamma} or {@code constant}
   */
  static long[] offsets(String process, double rate, double burstiness, int count, long seed) {
    double[] gaps = new double[Math.max(0, count - 1)];
    switch (process) {
      case "constant" -> java.util.Arrays.fill(gaps, 1.0);
      case "gamma" -> {
        GammaDistribution gamma =
            new GammaDistribution(new Well19937c(seed), burstiness, 1.0 / burstiness);
        for (int i = 0; i < gaps.length; i++) {
          gaps[i] = gamma.sample();
        }
      }
      case "poisson" -> {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < gaps.length; i++) {
          gaps[i] = -Math.log(1 - random.nextDouble());
        }
      }
      default -> throw new IllegalArgumentException("not an open-loop process: " + process);
    }
    double sum = 0;
    for (double gap : gaps) {
      sum += gap;
    }
    double scale = sum > 0 ? gaps.length / rate / sum : 0;
    long[] offsets = new long[count];
    double at = 0;
    for (int i = 1; i < count; i++) {
      at += gaps[i - 1] * scale;
      offsets[i] = Math.round(at * 1e9);
    }
    return offsets;
  }
}
