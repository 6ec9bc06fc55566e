package io.gcgserve.eval.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * How a ratio taken in each round of the load bench is reported: the median of the rounds' ratios,
 * followed, when there are several, by each round's in the order they ran, so that a reader sees
 * the spread the median hides.
 */
@NullMarked
final class RoundRatios {

  private RoundRatios() {}

  /**
   * "2.41x" for one round, "2.20x [2.41, 1.97, 2.20]" for several (median, then each round's); null
   * when no round has the ratio. Rounds whose ratio is undefined (NaN) are left out of the median
   * and shown as NaN.
   */
  static @Nullable String describe(List<Double> ratios) {
    if (ratios.isEmpty()) {
      return null;
    }
    List<Double> defined = new ArrayList<>();
    for (double ratio : ratios) {
      if (!Double.isNaN(ratio)) {
        defined.add(ratio);
      }
    }
    String median = String.format(Locale.ROOT, "%.2fx", Percentiles.percentile(defined, 50));
    if (ratios.size() == 1) {
      return median;
    }
    List<String> each = new ArrayList<>();
    for (double ratio : ratios) {
      each.add(String.format(Locale.ROOT, "%.2f", ratio));
    }
    return median + " [" + String.join(", ", each) + "]";
  }
}
