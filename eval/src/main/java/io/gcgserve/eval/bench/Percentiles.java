package io.gcgserve.eval.bench;

import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.NullMarked;

/** The few statistics the load benchmark prints, in one place. */
@NullMarked
final class Percentiles {

  private Percentiles() {}

  /**
   * The {@code percent}-th percentile of {@code values} by linear interpolation between the two
   * nearest ranks (numpy's default): p0 is the minimum, p100 the maximum. NaN for no values.
   */
  static double percentile(double[] values, double percent) {
    if (percent < 0 || percent > 100 || Double.isNaN(percent)) {
      throw new IllegalArgumentException("percent must be in [0, 100], got " + percent);
    }
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double rank = percent / 100 * (sorted.length - 1);
    int below = (int) Math.floor(rank);
    int above = Math.min(below + 1, sorted.length - 1);
    return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
  }

  /** As {@link #percentile(double[], double)} on a list. */
  static double percentile(List<Double> values, double percent) {
    return percentile(values.stream().mapToDouble(Double::doubleValue).toArray(), percent);
  }

  /** Least-squares slope of y over x; NaN with fewer than two distinct x. */
  static double slope(double[] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("x and y differ in length");
    }
    int n = x.length;
    double meanX = Arrays.stream(x).average().orElse(Double.NaN);
    double meanY = Arrays.stream(y).average().orElse(Double.NaN);
    double covariance = 0;
    double varianceX = 0;
    for (int i = 0; i < n; i++) {
      covariance += (x[i] - meanX) * (y[i] - meanY);
      varianceX += (x[i] - meanX) * (x[i] - meanX);
    }
    return varianceX > 0 ? covariance / varianceX : Double.NaN;
  }

  /** {@code value / reference}, NaN when the reference is zero or not a number. */
  static double ratio(double value, double reference) {
    return reference != 0 && !Double.isNaN(reference) ? value / reference : Double.NaN;
  }
}
