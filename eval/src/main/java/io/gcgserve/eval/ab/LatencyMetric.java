package io.gcgserve.eval.ab;

import java.util.Arrays;

/**
 * The serving metrics compared between arms, each a statistic of one per-request sample of an
 * {@link ArmSample}: a percentile (linear interpolation between ranks) or a mean.
 */
public enum LatencyMetric {
  /** Share of requests that did not end OK, in percent. */
  ERROR_RATE(
      new MetricInfo(
          "error_rate_pct", "error rate", "pp", true, "more reliable", "less reliable", 2),
      Sample.ERRORS,
      -1,
      100),
  /** Median time to first token of OK requests. */
  TTFT_P50(latency("ttft_p50_ms", "TTFT p50"), Sample.TTFT, 50, 1),
  /** 90th percentile of TTFT. */
  TTFT_P90(latency("ttft_p90_ms", "TTFT p90"), Sample.TTFT, 90, 1),
  /** 99th percentile of TTFT. */
  TTFT_P99(latency("ttft_p99_ms", "TTFT p99"), Sample.TTFT, 99, 1),
  /** Median end-to-end latency (total_ms) of OK requests. */
  TOTAL_P50(latency("total_p50_ms", "end-to-end p50"), Sample.TOTAL, 50, 1),
  /** 90th percentile of end-to-end latency. */
  TOTAL_P90(latency("total_p90_ms", "end-to-end p90"), Sample.TOTAL, 90, 1),
  /** Median over OK requests of tokens per decode second. */
  TOKENS_PER_SECOND(
      new MetricInfo("tokens_per_s_p50", "tokens/s p50", "tokens/s", false, "faster", "slower", 1),
      Sample.TOKENS_PER_SECOND,
      50,
      1),
  /** Mean prefill FLOPs ratio of OK requests, in percent of the unpruned prefill. */
  FLOPS_RATIO(
      new MetricInfo(
          "flops_ratio_mean_pct", "mean FLOPs ratio", "pp", true, "cheaper", "costlier", 2),
      Sample.FLOPS_RATIO,
      -1,
      100);

  /** The per-request samples of an arm that the metrics are taken over. */
  public enum Sample {
    /** 1 per non-OK request, 0 per OK one. */
    ERRORS,
    /** TTFT ms. */
    TTFT,
    /** total ms. */
    TOTAL,
    /** tokens per decode second. */
    TOKENS_PER_SECOND,
    /** FLOPs ratio. */
    FLOPS_RATIO;

    /** The arm's values of this sample, ascending. */
    public double[] of(ArmSample arm) {
      double[] sorted =
          switch (this) {
            case ERRORS -> arm.errors();
            case TTFT -> arm.ttft();
            case TOTAL -> arm.total();
            case TOKENS_PER_SECOND -> arm.tokensPerSecond();
            case FLOPS_RATIO -> arm.flopsRatio();
          };
      Arrays.sort(sorted);
      return sorted;
    }
  }

  @SuppressWarnings("ImmutableEnumChecker") // a record of strings, booleans and ints
  private final MetricInfo info;

  private final Sample sample;
  private final double percent;
  private final double scale;

  LatencyMetric(MetricInfo info, Sample sample, double percent, double scale) {
    this.info = info;
    this.sample = sample;
    this.percent = percent;
    this.scale = scale;
  }

  private static MetricInfo latency(String key, String label) {
    return new MetricInfo(key, label, "ms", true, "faster", "slower", 1);
  }

  /** Name, unit and direction. */
  public MetricInfo info() {
    return info;
  }

  /** The sample this metric is a statistic of. */
  public Sample sample() {
    return sample;
  }

  /** The metric of a resample of {@code sorted} (this metric's sample, ascending). */
  public double of(double[] sorted, int[] counts) {
    double value =
        percent < 0
            ? Bootstrap.mean(sorted, counts)
            : Bootstrap.percentile(sorted, counts, percent);
    return value * scale;
  }
}
