package io.gcgserve.reliability;

import java.util.Arrays;
import java.util.List;

/** Percentiles and a least-squares slope, for the result lines. */
final class Stats {

  private Stats() {}

  /** The {@code q}-quantile (0..1) of {@code values} by the nearest rank; NaN when empty. */
  static double quantile(List<Double> values, double q) {
    double[] sorted =
        values.stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).toArray();
    if (sorted.length == 0) {
      return Double.NaN;
    }
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /** The slope of the least-squares line through {@code (x[i], y[i])}; NaN under two points. */
  static double slope(double[] x, double[] y) {
    int n = x.length;
    if (n < 2) {
      return Double.NaN;
    }
    double meanX = Arrays.stream(x).average().orElse(0);
    double meanY = Arrays.stream(y).average().orElse(0);
    double covariance = 0;
    double variance = 0;
    for (int i = 0; i < n; i++) {
      covariance += (x[i] - meanX) * (y[i] - meanY);
      variance += (x[i] - meanX) * (x[i] - meanX);
    }
    return variance == 0 ? Double.NaN : covariance / variance;
  }

  /** {@code value} with one decimal. */
  static String f1(double value) {
    return String.format(java.util.Locale.ROOT, "%.1f", value);
  }

  /** {@code value} with two decimals. */
  static String f2(double value) {
    return String.format(java.util.Locale.ROOT, "%.2f", value);
  }
}
