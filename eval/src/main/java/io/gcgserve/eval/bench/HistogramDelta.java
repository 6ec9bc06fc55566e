package io.gcgserve.eval.bench;

import io.gcgserve.harness.PrometheusText;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.NullMarked;

/**
 * What a Prometheus classic histogram counted between two scrapes: the delta of each cumulative
 * {@code _bucket{le=...}} sample, of {@code _count} and of {@code _sum}, every label set other than
 * {@code le} summed. Absent when the later scrape does not have the histogram.
 *
 * @param cumulative per upper bound ({@code +Inf} included), observations at or below it, ascending
 * @param count observations in the interval
 * @param sum sum of the observed values in the interval
 */
@NullMarked
record HistogramDelta(NavigableMap<Double, Double> cumulative, double count, double sum) {

  HistogramDelta {
    cumulative = Collections.unmodifiableNavigableMap(new TreeMap<>(cumulative));
  }

  /** The delta of histogram {@code name} from {@code before} to {@code after}, if exported. */
  static Optional<HistogramDelta> between(
      PrometheusText before, PrometheusText after, String name) {
    String buckets = name + "_bucket";
    if (!after.has(buckets)) {
      return Optional.empty();
    }
    Map<String, Double> earlier = before.sumBy(buckets, "le");
    TreeMap<Double, Double> cumulative = new TreeMap<>();
    after
        .sumBy(buckets, "le")
        .forEach(
            (le, value) ->
                cumulative.merge(
                    parseBound(le), value - earlier.getOrDefault(le, 0.0), Double::sum));
    double count = after.sum(name + "_count") - before.sum(name + "_count");
    double sum = after.sum(name + "_sum") - before.sum(name + "_sum");
    return Optional.of(new HistogramDelta(cumulative, count, sum));
  }

  /**
   * The share of the interval's observations at or below {@code bound}, which must be one of the
   * histogram's bounds; NaN when nothing was observed or there is no such bucket.
   */
  double shareAtMost(double bound) {
    Double within = cumulative.get(bound);
    if (within == null || !(count > 0)) {
      return Double.NaN;
    }
    return within / count;
  }

  /**
   * The upper bound of the highest bucket that received an observation in the interval (the
   * smallest bound whose cumulative delta reaches {@link #count}); {@code +Inf} when only the
   * overflow bucket did, NaN when nothing was observed.
   */
  double largestNonEmptyBound() {
    if (!(count > 0)) {
      return Double.NaN;
    }
    for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
      if (bucket.getValue() >= count) {
        return bucket.getKey();
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  /** Mean observed value over the interval; NaN when nothing was observed. */
  double mean() {
    return count > 0 ? sum / count : Double.NaN;
  }

  private static double parseBound(String le) {
    return switch (le.strip()) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      default -> {
        try {
          yield Double.parseDouble(le);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("histogram bucket le='" + le + "' is not a number", e);
        }
      }
    };
  }
}
