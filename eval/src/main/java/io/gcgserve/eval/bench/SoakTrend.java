package io.gcgserve.eval.bench;

import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.NullMarked;

/**
 * What a soak's RSS series says about growth: over the samples of the second half of the run (those
 * taken at or after half the requests), the largest RSS and the least-squares slope.
 *
 * @param samples every sample, ordered by requests completed
 * @param lastHalfMaxMegabytes largest RSS in the second half, MiB
 * @param lastHalfSlopeMegabytesPer100 RSS growth in the second half, MiB per 100 requests (NaN with
 *     fewer than two samples there)
 */
@NullMarked
record SoakTrend(
    List<LoadRunner.RssSample> samples,
    double lastHalfMaxMegabytes,
    double lastHalfSlopeMegabytesPer100) {

  /** The trend of {@code samples} from a soak of {@code totalRequests}. */
  static SoakTrend of(List<LoadRunner.RssSample> samples, int totalRequests) {
    List<LoadRunner.RssSample> lastHalf =
        samples.stream().filter(sample -> 2L * sample.requests() >= totalRequests).toList();
    double[] requests = lastHalf.stream().mapToDouble(LoadRunner.RssSample::requests).toArray();
    double[] megabytes = lastHalf.stream().mapToDouble(SoakTrend::megabytes).toArray();
    double max = lastHalf.isEmpty() ? Double.NaN : Arrays.stream(megabytes).max().orElseThrow();
    double slope = lastHalf.size() < 2 ? Double.NaN : 100 * Percentiles.slope(requests, megabytes);
    return new SoakTrend(List.copyOf(samples), max, slope);
  }

  /** A sample's RSS in MiB. */
  static double megabytes(LoadRunner.RssSample sample) {
    return sample.kilobytes() / 1024.0;
  }
}
