package io.gcgserve.eval.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * The figures of one run of requests (one closed-loop configuration, or the open loop): rates over
 * the run's wall time, and percentiles over the successful requests. Percentiles come with the
 * count they rest on ({@link #ok}; inter-token gaps: {@link #interTokenGaps}).
 *
 * @param requests requests sent
 * @param ok requests that ended with status OK
 * @param wallSeconds from the first send (or scheduled arrival) to the last stream's end
 * @param captionsPerSecond successful captions per wall second
 * @param tokensPerSecond generated tokens (Finished.generated_tokens) of successful captions per
 *     wall second
 * @param ttftP50Millis median time from start to the first TextDelta
 * @param ttftP90Millis 90th percentile of that time
 * @param interTokenGaps gaps between consecutive TextDeltas, over every successful caption
 * @param interTokenP50Millis median gap
 * @param latencyP50Millis median time from start to the end of the stream
 * @param latencyP90Millis 90th percentile of that time
 * @param errors non-OK status codes and how often each ended a request, by name
 * @param phaseSplit the server's engine phase split over the run, null when not exported
 * @param cpu the server's and the bench client's CPU over the run, null when not measured
 */
@NullMarked
record LoadSummary(
    int requests,
    int ok,
    double wallSeconds,
    double captionsPerSecond,
    double tokensPerSecond,
    double ttftP50Millis,
    double ttftP90Millis,
    int interTokenGaps,
    double interTokenP50Millis,
    double latencyP50Millis,
    double latencyP90Millis,
    Map<String, Integer> errors,
    @Nullable EnginePhaseSplit phaseSplit,
    @Nullable CpuUse cpu) {

  /** Summarises {@code results}, which took {@code wallNanos} of wall time. */
  static LoadSummary of(
      List<CaptionProbe.Result> results, long wallNanos, @Nullable EnginePhaseSplit phaseSplit) {
    List<Double> ttft = new ArrayList<>();
    List<Double> latency = new ArrayList<>();
    List<Double> gaps = new ArrayList<>();
    Map<String, Integer> errors = new TreeMap<>();
    long tokens = 0;
    for (CaptionProbe.Result result : results) {
      if (!result.ok()) {
        errors.merge(result.code().name(), 1, Integer::sum);
        continue;
      }
      tokens += result.generatedTokens();
      latency.add(result.latencyMillis());
      if (result.firstTokenNanos() >= 0) {
        ttft.add(result.ttftMillis());
      }
      for (long gap : result.interTokenNanos()) {
        gaps.add(gap / 1e6);
      }
    }
    double seconds = wallNanos / 1e9;
    return new LoadSummary(
        results.size(),
        latency.size(),
        seconds,
        Percentiles.ratio(latency.size(), seconds),
        Percentiles.ratio(tokens, seconds),
        Percentiles.percentile(ttft, 50),
        Percentiles.percentile(ttft, 90),
        gaps.size(),
        Percentiles.percentile(gaps, 50),
        Percentiles.percentile(latency, 50),
        Percentiles.percentile(latency, 90),
        Map.copyOf(errors),
        phaseSplit,
        null);
  }

  /** These figures with the run's CPU use. */
  LoadSummary withCpu(@Nullable CpuUse use) {
    return new LoadSummary(
        requests,
        ok,
        wallSeconds,
        captionsPerSecond,
        tokensPerSecond,
        ttftP50Millis,
        ttftP90Millis,
        interTokenGaps,
        interTokenP50Millis,
        latencyP50Millis,
        latencyP90Millis,
        errors,
        phaseSplit,
        use);
  }

  /** "none", or "UNAVAILABLE x3, RESOURCE_EXHAUSTED x1". */
  String errorsText() {
    if (errors.isEmpty()) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    new TreeMap<>(errors).forEach((code, count) -> parts.add(code + " x" + count));
    return String.join(", ", parts);
  }

  /** The figures as a JSON-ready map. */
  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("requests", requests);
    json.put("ok", ok);
    json.put("wall_seconds", wallSeconds);
    json.put("captions_per_second", captionsPerSecond);
    json.put("tokens_per_second", tokensPerSecond);
    json.put("ttft_p50_ms", ttftP50Millis);
    json.put("ttft_p90_ms", ttftP90Millis);
    json.put("inter_token_gaps", interTokenGaps);
    json.put("inter_token_p50_ms", interTokenP50Millis);
    json.put("latency_p50_ms", latencyP50Millis);
    json.put("latency_p90_ms", latencyP90Millis);
    json.put("errors", new TreeMap<>(errors));
    if (phaseSplit != null) {
      Map<String, Object> split = new LinkedHashMap<>();
      split.put("decode_tokens", phaseSplit.decodeTokens());
      split.put("ms_per_token", phaseSplit.millisPerToken());
      split.put("batch_size_mean", phaseSplit.meanBatchSize());
      json.put("phase_split", split);
    }
    if (cpu != null) {
      json.put("cpu", cpu.toJson());
    }
    return json;
  }
}
