package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gcgserve.harness.PrometheusText;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnginePhaseSplitTest {

  @Test
  void absentWithoutTheDecodeTokenCounter() {
    PrometheusText today = PrometheusText.parse("gcg_requests_in_flight 0\n");
    assertThat(EnginePhaseSplit.between(today, today)).isEmpty();
  }

  @Test
  void dividesEachPhaseDeltaByTheTokenDelta() {
    PrometheusText before =
        PrometheusText.parse(
            """
            gcg_engine_decode_tokens_total 100
            gcg_engine_phase_seconds_total{phase="llm_step"} 1.0
            gcg_engine_decode_rows_total 40
            gcg_engine_decode_steps_total 20
            """);
    PrometheusText after =
        PrometheusText.parse(
            """
            gcg_engine_decode_tokens_total 300
            gcg_engine_phase_seconds_total{phase="llm_step"} 1.6
            gcg_engine_phase_seconds_total{phase="glance"} 0.1
            gcg_engine_decode_rows_total 340
            gcg_engine_decode_steps_total 120
            """);
    EnginePhaseSplit split = EnginePhaseSplit.between(before, after).orElseThrow();
    assertThat(split.decodeTokens()).isEqualTo(200);
    // 0.6 s over 200 tokens = 3 ms; a phase first seen after the run counts from zero
    assertThat(split.millisPerToken()).containsOnlyKeys("llm_step", "glance");
    assertThat(split.millisPerToken().get("llm_step")).isCloseTo(3.0, within(1e-9));
    assertThat(split.millisPerToken().get("glance")).isCloseTo(0.5, within(1e-9));
    assertThat(split.meanBatchSize()).isCloseTo(3.0, within(1e-9));
    assertThat(split.describe())
        .contains("200 tokens", "llm_step 3.000 ms", "glance 0.500 ms", "batch size mean 3.00");
  }

  @Test
  void batchMeanIsNullWithoutTheHistogram() {
    PrometheusText after =
        PrometheusText.parse(
            "gcg_engine_decode_tokens_total 10\ngcg_engine_phase_seconds_total{phase=\"a\"} 1\n");
    EnginePhaseSplit split = EnginePhaseSplit.between(PrometheusText.empty(), after).orElseThrow();
    assertThat(split.meanBatchSize()).isNull();
    assertThat(split.millisPerToken()).isEqualTo(Map.of("a", 100.0));
  }
}
