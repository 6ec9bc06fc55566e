package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CpuUseTest {

  @Test
  void absentWithoutTheProcessCounter() {
    PrometheusText none = PrometheusText.parse("gcg_requests_in_flight 0\n");
    assertThat(CpuUse.between(none, none, 0, 0, 1_000_000_000L, 1)).isEmpty();
  }

  @Test
  void coresAndMillisPerCaptionComeFromTheDeltas() {
    PrometheusText before = PrometheusText.parse("process_cpu_seconds_total 12.5\n");
    PrometheusText after = PrometheusText.parse("process_cpu_seconds_total 20.5\n");
    // 8 server CPU seconds and 1 client CPU second over 5 wall seconds, 20 captions
    CpuUse use =
        CpuUse.between(before, after, 3_000_000_000L, 4_000_000_000L, 5_000_000_000L, 20)
            .orElseThrow();
    assertThat(use.serverCores()).isCloseTo(1.6, within(1e-9));
    assertThat(use.clientCores()).isCloseTo(0.2, within(1e-9));
    assertThat(use.serverMillisPerCaption()).isCloseTo(400, within(1e-9));
    assertThat(use.describe()).contains("server 1.60 of", "400.0 ms per caption", "client 0.20");
    assertThat(use.toJson()).containsEntry("server_cores", 1.6);
  }

  @Test
  void theBenchJvmReadsItsOwnCpuTime() {
    long first = CpuUse.clientNanos();
    double sink = 0;
    for (int i = 0; i < 2_000_000; i++) {
      sink += Math.sqrt(i);
    }
    assertThat(sink).isPositive();
    assertThat(CpuUse.clientNanos()).isGreaterThan(first);
  }
}
