package io.gcgserve.pruners.altp;

import java.util.Arrays;
import java.util.Objects;

/**
 * Splits a total keep budget {@code K} over regions by weight, with per-region bounds, so that the
 * integer budgets sum to {@code K} exactly (the paper's {@code k_i = w_i·K}).
 *
 * <p>Real targets are {@code t_i = clamp(λ·w_i, lo_i, hi_i)} with the single {@code λ} that makes
 * them sum to {@code K} (water-filling). With no bound active {@code λ = K} and {@code t_i = w_i·K}
 * as in the paper; a region capped at its size gives its surplus to the uncapped ones in proportion
 * to their weights, and a region raised to its minimum takes the difference from the others the
 * same way, repeated until nothing moves. The targets are then rounded by largest remainder (ties:
 * the larger weight, then the lower region index), which never breaks a bound because the bounds
 * are integers.
 */
public final class TokenAllocator {

  private TokenAllocator() {}

  /**
   * Integer budgets per region.
   *
   * @param weights positive weights, any scale
   * @param lower per-region minimum, {@code Σ lower <= budget}
   * @param upper per-region maximum (the region's live tokens), {@code budget <= Σ upper}
   * @param budget total to hand out
   * @return budgets with {@code lower[i] <= k[i] <= upper[i]} and {@code Σ k = budget}
   */
  public static int[] allocate(double[] weights, int[] lower, int[] upper, int budget) {
    Objects.requireNonNull(weights, "weights is null");
    int regions = weights.length;
    if (lower.length != regions || upper.length != regions) {
      throw new IllegalArgumentException("weights, lower and upper must have the same length");
    }
    long lowerSum = 0;
    long upperSum = 0;
    for (int i = 0; i < regions; i++) {
      if (!(weights[i] > 0) || !Double.isFinite(weights[i])) {
        throw new IllegalArgumentException(
            "weights must be positive and finite, got " + weights[i]);
      }
      if (lower[i] < 0 || lower[i] > upper[i]) {
        throw new IllegalArgumentException(
            "bounds must satisfy 0 <= lower <= upper, got [" + lower[i] + ", " + upper[i] + "]");
      }
      lowerSum += lower[i];
      upperSum += upper[i];
    }
    if (budget < lowerSum || budget > upperSum) {
      throw new IllegalArgumentException(
          "budget " + budget + " outside the feasible range [" + lowerSum + ", " + upperSum + "]");
    }
    double[] targets = waterFill(weights, lower, upper, budget);
    return largestRemainder(targets, weights, lower, upper, budget);
  }

  /** Real targets {@code clamp(λ·w_i, lo_i, hi_i)} summing to {@code budget}. */
  static double[] waterFill(double[] weights, int[] lower, int[] upper, int budget) {
    int regions = weights.length;
    double[] breakpoints = new double[2 * regions + 1];
    for (int i = 0; i < regions; i++) {
      breakpoints[2 * i] = lower[i] / weights[i];
      breakpoints[2 * i + 1] = upper[i] / weights[i];
    }
    breakpoints[2 * regions] = 0.0;
    Arrays.sort(breakpoints);
    // the filled amount S(λ) is continuous, non-decreasing and linear between breakpoints
    double lambda = breakpoints[breakpoints.length - 1];
    for (int j = 0; j + 1 < breakpoints.length; j++) {
      double from = breakpoints[j];
      double to = breakpoints[j + 1];
      double filledTo = filled(weights, lower, upper, to);
      if (filledTo >= budget) {
        double filledFrom = filled(weights, lower, upper, from);
        double slope = 0;
        for (int i = 0; i < regions; i++) {
          if (lower[i] / weights[i] <= from && upper[i] / weights[i] >= to) {
            slope += weights[i];
          }
        }
        lambda = slope > 0 ? from + (budget - filledFrom) / slope : from;
        lambda = Math.min(Math.max(lambda, from), to);
        break;
      }
    }
    double[] targets = new double[regions];
    for (int i = 0; i < regions; i++) {
      targets[i] = Math.min(upper[i], Math.max(lower[i], lambda * weights[i]));
    }
    return targets;
  }

  private static double filled(double[] weights, int[] lower, int[] upper, double lambda) {
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      sum += Math.min(upper[i], Math.max(lower[i], lambda * weights[i]));
    }
    return sum;
  }

  /**
   * Largest-remainder (Hamilton) rounding of {@code targets} to integers summing to {@code budget},
   * within the bounds.
   */
  static int[] largestRemainder(
      double[] targets, double[] weights, int[] lower, int[] upper, int budget) {
    int regions = targets.length;
    int[] counts = new int[regions];
    long assigned = 0;
    for (int i = 0; i < regions; i++) {
      // the epsilon keeps 2.9999999 (float noise of an exact 3) from rounding down
      int floor = (int) Math.floor(targets[i] + 1e-9);
      counts[i] = Math.min(upper[i], Math.max(lower[i], floor));
      assigned += counts[i];
    }
    Integer[] order = new Integer[regions];
    for (int i = 0; i < regions; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) -> {
          int byRemainder = Double.compare(targets[b] - counts[b], targets[a] - counts[a]);
          if (byRemainder != 0) {
            return byRemainder;
          }
          int byWeight = Double.compare(weights[b], weights[a]);
          return byWeight != 0 ? byWeight : Integer.compare(a, b);
        });
    // normally one pass; the loops only guard against rounding noise in the targets
    while (assigned < budget) {
      boolean moved = false;
      for (int k = 0; k < regions && assigned < budget; k++) {
        int i = order[k];
        if (counts[i] < upper[i]) {
          counts[i]++;
          assigned++;
          moved = true;
        }
      }
      if (!moved) {
        throw new IllegalStateException("cannot place budget " + budget + " within bounds");
      }
    }
    while (assigned > budget) {
      boolean moved = false;
      for (int k = regions - 1; k >= 0 && assigned > budget; k--) {
        int i = order[k];
        if (counts[i] > lower[i]) {
          counts[i]--;
          assigned--;
          moved = true;
        }
      }
      if (!moved) {
        throw new IllegalStateException("cannot place budget " + budget + " within bounds");
      }
    }
    return counts;
  }
}
