package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CpuUseTest {

  private static final long[] NO_TICKS = new long[0];

  @Test
  void absentWithoutTheProcessCounter() {
    PrometheusText none = PrometheusText.parse("gcg_requests_in_flight 0\n");
    CpuUse.Mark mark = new CpuUse.Mark(none, 0, NO_TICKS);
    assertThat(CpuUse.between(mark, mark, 1_000_000_000L, 1)).isEmpty();
  }

  @Test
  void coresAndMillisPerCaptionComeFromTheDeltas() {
    CpuUse.Mark before =
        new CpuUse.Mark(
            PrometheusText.parse("process_cpu_seconds_total 12.5\n"),
            3_000_000_000L,
            CpuUse.parseProcStat("cpu  100 0 10 500 5 0 1 20 0 0"));
    // over 5 wall seconds: 8 server CPU seconds, 1 client CPU second, 20 captions; the machine
    // counted 1000 ticks, of which 150 idle (140 idle + 10 iowait) and 50 stolen
    CpuUse.Mark after =
        new CpuUse.Mark(
            PrometheusText.parse("process_cpu_seconds_total 20.5\n"),
            4_000_000_000L,
            CpuUse.parseProcStat("cpu  890 0 20 640 15 0 1 70 0 0"));
    CpuUse use = CpuUse.between(before, after, 5_000_000_000L, 20).orElseThrow();
    assertThat(use.serverCores()).isCloseTo(1.6, within(1e-9));
    assertThat(use.clientCores()).isCloseTo(0.2, within(1e-9));
    assertThat(use.serverMillisPerCaption()).isCloseTo(400, within(1e-9));
    assertThat(use.machineIdleShare()).isCloseTo(0.15, within(1e-9));
    assertThat(use.stealShare()).isCloseTo(0.05, within(1e-9));
    assertThat(use.describe()).contains("server 1.60 of", "400.0 ms per caption", "client 0.20");
    assertThat(use.toJson()).containsEntry("server_cores", 1.6);
  }

  @Test
  void machineSharesAreNotANumberWithoutProcStat() {
    double[] shares = CpuUse.machineShares(NO_TICKS, CpuUse.parseProcStat("cpu 1 2 3 4 5 6 7 8"));
    assertThat(shares[0]).isNaN();
    assertThat(shares[1]).isNaN();
    assertThat(CpuUse.parseProcStat("intr 1 2 3")).isEmpty();
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
