package io.gcgserve.eval.ab;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The percentile bootstrap, in the form every statistic of the report shares: a resample of {@code
 * n} items is the multinomial count of how often each original item was drawn (drawing {@code n}
 * times with replacement), and a statistic is a function of those counts. The counts of the
 * original sample are all ones. Each arm's sample is resampled on its own, from a stream seeded by
 * the report's seed and the arm's and sample's names, so one arm's figures do not depend on which
 * other arms the log holds.
 */
public final class Bootstrap {

  /** Two-sided confidence level of every interval. */
  public static final double CONFIDENCE = 0.95;

  private Bootstrap() {}

  /** A statistic of a sample given as draw counts per original item (all ones: the sample). */
  @FunctionalInterface
  public interface Statistic {
    /** The statistic of the resample that drew item {@code i} {@code counts[i]} times. */
    double of(int[] counts);
  }

  /**
   * {@code resamples} bootstrap replicates of each statistic over a sample of {@code n} items: row
   * {@code s} holds statistic {@code s}'s replicates. All statistics see the same resamples.
   */
  public static double[][] replicates(
      int n, Statistic[] statistics, int resamples, long seed, String stream) {
    double[][] replicates = new double[statistics.length][resamples];
    if (n == 0) {
      for (double[] row : replicates) {
        Arrays.fill(row, Double.NaN);
      }
      return replicates;
    }
    SplittableRandom random = new SplittableRandom(seed ^ fnv1a(stream));
    int[] counts = new int[n];
    for (int b = 0; b < resamples; b++) {
      Arrays.fill(counts, 0);
      for (int draw = 0; draw < n; draw++) {
        counts[random.nextInt(n)]++;
      }
      for (int s = 0; s < statistics.length; s++) {
        replicates[s][b] = statistics[s].of(counts);
      }
    }
    return replicates;
  }

  /** Counts of the original sample: every item once. */
  public static int[] identity(int n) {
    int[] counts = new int[n];
    Arrays.fill(counts, 1);
    return counts;
  }

  /**
   * The {@code percent}-th percentile of a resample of {@code sorted} (ascending), by linear
   * interpolation between the two nearest ranks (numpy's default), NaN when it is empty.
   */
  public static double percentile(double[] sorted, int[] counts, double percent) {
    long total = 0;
    for (int count : counts) {
      total += count;
    }
    if (total == 0) {
      return Double.NaN;
    }
    double rank = percent / 100 * (total - 1);
    long below = (long) Math.floor(rank);
    double lower = valueAt(sorted, counts, below);
    double upper = below + 1 < total ? valueAt(sorted, counts, below + 1) : lower;
    return lower + (rank - below) * (upper - lower);
  }

  private static double valueAt(double[] sorted, int[] counts, long position) {
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen > position) {
        return sorted[i];
      }
    }
    return sorted[sorted.length - 1];
  }

  /** The mean of a resample of {@code values}, NaN when it is empty. */
  public static double mean(double[] values, int[] counts) {
    double sum = 0;
    long total = 0;
    for (int i = 0; i < counts.length; i++) {
      sum += counts[i] * values[i];
      total += counts[i];
    }
    return total == 0 ? Double.NaN : sum / total;
  }

  /**
   * The central {@link #CONFIDENCE} percentile interval {@code {low, high}} of {@code replicates}
   * (NaN replicates ignored), {@code {NaN, NaN}} when none is a number.
   */
  public static double[] interval(double[] replicates) {
    double[] finite = Arrays.stream(replicates).filter(value -> !Double.isNaN(value)).toArray();
    if (finite.length == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    Arrays.sort(finite);
    int[] ones = identity(finite.length);
    double tail = (1 - CONFIDENCE) / 2 * 100;
    return new double[] {percentile(finite, ones, tail), percentile(finite, ones, 100 - tail)};
  }

  /** Replicate-wise {@code arm - control}. */
  public static double[] differences(double[] arm, double[] control) {
    double[] differences = new double[arm.length];
    for (int b = 0; b < arm.length; b++) {
      differences[b] = arm[b] - control[b];
    }
    return differences;
  }

  /** 64-bit FNV-1a of the UTF-8 bytes: a stable, documented seed component for a name. */
  static long fnv1a(String text) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }
}
