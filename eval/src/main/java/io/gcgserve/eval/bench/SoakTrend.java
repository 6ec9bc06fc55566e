package io.gcgserve.eval.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

  /** Two lines: the series as N:MiB pairs, then the last half's maximum and slope. */
  void print(PrintStream out, String server) {
    List<String> series = new ArrayList<>();
    for (LoadRunner.RssSample sample : samples) {
      series.add(String.format(Locale.ROOT, "%d:%.0f", sample.requests(), megabytes(sample)));
    }
    out.println();
    out.printf(
        "Soak [%s] RSS in MiB after N requests (N:MiB): %s%n", server, String.join(" ", series));
    out.printf(
        Locale.ROOT,
        "  last half: max %.1f MiB, slope %+.2f MiB per 100 requests%n",
        lastHalfMaxMegabytes,
        lastHalfSlopeMegabytesPer100);
  }

  /** The series and the trend as a JSON-ready map. */
  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    List<Object> series = new ArrayList<>();
    for (LoadRunner.RssSample sample : samples) {
      series.add(Map.of("requests", sample.requests(), "rss_kb", sample.kilobytes()));
    }
    json.put("rss", series);
    json.put("last_half_max_mib", lastHalfMaxMegabytes);
    json.put("last_half_slope_mib_per_100_requests", lastHalfSlopeMegabytesPer100);
    return json;
  }

  /** A sample's RSS in MiB. */
  static double megabytes(LoadRunner.RssSample sample) {
    return sample.kilobytes() / 1024.0;
  }
}
