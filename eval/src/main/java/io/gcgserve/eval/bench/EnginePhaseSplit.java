package io.gcgserve.eval.bench;

import io.gcgserve.harness.PrometheusText;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * Where a batching engine's time went per decode token over one configuration: the delta of each
 * {@code gcg_engine_phase_seconds_total{phase=...}} counter over the delta of {@code
 * gcg_engine_decode_tokens_total}, and the mean decode batch over the same interval (the delta of
 * {@code gcg_engine_decode_rows_total} over that of {@code gcg_engine_decode_steps_total}). Absent
 * when the server exports no engine metrics.
 *
 * @param millisPerToken per phase label, milliseconds per decode token, in scrape order
 * @param decodeTokens decode tokens counted in the interval
 * @param meanBatchSize mean decode batch over the interval, null without those counters
 */
@NullMarked
record EnginePhaseSplit(
    Map<String, Double> millisPerToken, double decodeTokens, @Nullable Double meanBatchSize) {

  static final String PHASE_SECONDS = "gcg_engine_phase_seconds_total";
  static final String DECODE_TOKENS = "gcg_engine_decode_tokens_total";
  static final String BATCH_SIZE_SUM = "gcg_engine_decode_rows_total";
  static final String BATCH_SIZE_COUNT = "gcg_engine_decode_steps_total";

  /** The line printed when a server has no engine counters. */
  static final String NOT_AVAILABLE = "phase split: n/a (server exports no engine metrics)";

  /** The split between two scrapes, or empty when the decode-token counter is in neither. */
  static Optional<EnginePhaseSplit> between(PrometheusText before, PrometheusText after) {
    if (!after.has(DECODE_TOKENS)) {
      return Optional.empty();
    }
    double tokens = after.sum(DECODE_TOKENS) - before.sum(DECODE_TOKENS);
    Map<String, Double> phasesBefore = before.sumBy(PHASE_SECONDS, "phase");
    Map<String, Double> perToken = new LinkedHashMap<>();
    after
        .sumBy(PHASE_SECONDS, "phase")
        .forEach(
            (phase, seconds) -> {
              double delta = seconds - phasesBefore.getOrDefault(phase, 0.0);
              perToken.put(phase, tokens > 0 ? 1000 * delta / tokens : Double.NaN);
            });
    Double batchMean = null;
    if (after.has(BATCH_SIZE_COUNT)) {
      double count = after.sum(BATCH_SIZE_COUNT) - before.sum(BATCH_SIZE_COUNT);
      double sum = after.sum(BATCH_SIZE_SUM) - before.sum(BATCH_SIZE_SUM);
      batchMean = count > 0 ? sum / count : Double.NaN;
    }
    return Optional.of(new EnginePhaseSplit(perToken, tokens, batchMean));
  }

  /** One line: {@code phase split per decode token (N tokens): llm_step 3.10 ms, ...}. */
  String describe() {
    StringJoiner phases = new StringJoiner(", ");
    double total = 0;
    for (Map.Entry<String, Double> phase : millisPerToken.entrySet()) {
      phases.add(String.format(Locale.ROOT, "%s %.3f ms", phase.getKey(), phase.getValue()));
      total += phase.getValue();
    }
    String line =
        String.format(
            Locale.ROOT,
            "phase split per decode token (%.0f tokens): %s; sum %.3f ms",
            decodeTokens,
            millisPerToken.isEmpty() ? "no phase counters" : phases.toString(),
            total);
    if (meanBatchSize != null) {
      line += String.format(Locale.ROOT, "; batch size mean %.2f", meanBatchSize);
    }
    return line;
  }
}
