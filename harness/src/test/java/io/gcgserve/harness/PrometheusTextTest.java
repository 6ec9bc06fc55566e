package io.gcgserve.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  private static final String SCRAPE =
      """
      # HELP gcg_engine_phase_seconds Time per engine phase.
      # TYPE gcg_engine_phase_seconds counter
      gcg_engine_phase_seconds_total{phase="llm_step"} 1.5
      gcg_engine_phase_seconds_total{phase="mask_decode",device="cpu"} 0.25 1700000000000
      gcg_engine_phase_seconds_total{phase="llm_step",device="gpu"} 0.5

      gcg_requests_in_flight 3.0
      gcg_queue_wait_seconds_bucket{le="+Inf"} 12
      weird_label{text="say \\"hi\\", path C:\\\\x\\nnext",} 1e3
      not_a_number NaN
      # EOF
      """;

  @Test
  void readsNamesLabelsAndValues() {
    PrometheusText text = PrometheusText.parse(SCRAPE);
    assertThat(text.samples()).hasSize(7);
    PrometheusText.Sample first = text.samples().get(0);
    assertThat(first.name()).isEqualTo("gcg_engine_phase_seconds_total");
    assertThat(first.labels()).containsExactly(Map.entry("phase", "llm_step"));
    assertThat(first.value()).isEqualTo(1.5);
    assertThat(text.samples().get(4).labels()).containsEntry("le", "+Inf");
  }

  @Test
  void ignoresTimestampsAndComments() {
    PrometheusText text = PrometheusText.parse(SCRAPE);
    assertThat(text.samples().get(1).value()).isEqualTo(0.25);
    assertThat(text.has("gcg_engine_phase_seconds")).isFalse();
    assertThat(text.has("gcg_requests_in_flight")).isTrue();
  }

  @Test
  void unescapesLabelValuesAndAcceptsATrailingComma() {
    PrometheusText.Sample sample = PrometheusText.parse(SCRAPE).samples().get(5);
    assertThat(sample.labels()).containsEntry("text", "say \"hi\", path C:\\x\nnext");
    assertThat(sample.value()).isEqualTo(1000);
  }

  @Test
  void readsSpecialValues() {
    assertThat(PrometheusText.parse("a +Inf\nb -Inf\nc NaN").samples())
        .extracting(PrometheusText.Sample::value)
        .containsExactly(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN);
  }

  @Test
  void sumsAcrossLabelSetsAndPerLabel() {
    PrometheusText text = PrometheusText.parse(SCRAPE);
    assertThat(text.sum("gcg_engine_phase_seconds_total")).isEqualTo(2.25);
    assertThat(text.sumBy("gcg_engine_phase_seconds_total", "phase"))
        .containsExactly(Map.entry("llm_step", 2.0), Map.entry("mask_decode", 0.25));
    assertThat(text.sum("absent_total")).isZero();
  }

  @Test
  void sumsSamplesWhoseLabelsIncludeEveryPair() {
    PrometheusText text =
        PrometheusText.parse(
            """
            gcg_requests_total{arm="none",pruner="none",status="OK"} 7.0
            gcg_requests_total{arm="none",pruner="altp",status="OK"} 3.0
            gcg_requests_total{arm="none",pruner="none",status="RESOURCE_EXHAUSTED"} 144.0
            gcg_requests_total{arm="none",pruner="none",status="NOT_OK"} 1.0
            """);
    assertThat(text.sum("gcg_requests_total", "status", "OK")).isEqualTo(10);
    assertThat(text.sum("gcg_requests_total", "pruner", "none", "status", "OK")).isEqualTo(7);
    assertThat(text.sum("gcg_requests_total")).isEqualTo(155);
    assertThat(text.sum("gcg_requests_total", "status", "CANCELLED")).isZero();
    assertThat(text.sum("gcg_requests_total", "missing_label", "OK")).isZero();
    assertThatThrownBy(() -> text.sum("gcg_requests_total", "status"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key, value");
  }

  @Test
  void namesTheMalformedLine() {
    assertThatThrownBy(() -> PrometheusText.parse("ok 1\nbroken{a=\"x\" 2\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 2");
    assertThatThrownBy(() -> PrometheusText.parse("no_value")).hasMessageContaining("no value");
    assertThatThrownBy(() -> PrometheusText.parse("x abc")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> PrometheusText.parse("x{a=b} 1")).hasMessageContaining("bad label");
  }
}
