package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gcgserve.harness.PrometheusText;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuUseTest {

  private static final long[] NO_TICKS = new long[0];

  @Test
  void absentWithoutTheProcessCounter() {
    PrometheusText none = PrometheusText.parse("gcg_requests_in_flight 0\n");
    CpuUse.Mark mark = new CpuUse.Mark(none, 0, NO_TICKS, Map.of());
    assertThat(CpuUse.between(mark, mark, 1_000_000_000L, 1)).isEmpty();
  }

  @Test
  void coresAndMillisPerCaptionComeFromTheDeltas() {
    CpuUse.Mark before =
        new CpuUse.Mark(
            PrometheusText.parse("process_cpu_seconds_total 12.5\n"),
            3_000_000_000L,
            CpuUse.parseProcStat("cpu  100 0 10 500 5 0 1 20 0 0"),
            Map.of("gcg-engine", 100L, "gcg-prefill", 50L));
    // over 5 wall seconds: 8 server CPU seconds, 1 client CPU second, 20 captions; the machine
    // counted 1000 ticks, of which 150 idle (140 idle + 10 iowait) and 50 stolen
    CpuUse.Mark after =
        new CpuUse.Mark(
            PrometheusText.parse("process_cpu_seconds_total 20.5\n"),
            4_000_000_000L,
            CpuUse.parseProcStat("cpu  890 0 20 640 15 0 1 70 0 0"),
            Map.of("gcg-engine", 100L + 450, "gcg-prefill", 50L + 300, "C2 CompilerThre", 2L));
    CpuUse use = CpuUse.between(before, after, 5_000_000_000L, 20).orElseThrow();
    assertThat(use.serverCores()).isCloseTo(1.6, within(1e-9));
    assertThat(use.clientCores()).isCloseTo(0.2, within(1e-9));
    assertThat(use.serverMillisPerCaption()).isCloseTo(400, within(1e-9));
    assertThat(use.machineIdleShare()).isCloseTo(0.15, within(1e-9));
    assertThat(use.stealShare()).isCloseTo(0.05, within(1e-9));
    // the cores less 5% stolen, over 0.4 s of server and 0.05 s of client CPU per caption
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(use.fullUseCaptionsPerSecond()).isCloseTo(cores * 0.95 / 0.45, within(1e-9));
    assertThat(use.describe())
        .contains("server 1.60 of", "400.0 ms per caption", "client 0.20")
        .contains(
            String.format(
                java.util.Locale.ROOT, "at full use %.2f captions/s", cores * 0.95 / 0.45));
    assertThat(use.toJson()).containsEntry("server_cores", 1.6);
    // 1000 machine ticks over the cores: the engine's 450 ticks are 450 / (1000 / cores) cores
    assertThat(use.threadCores().keySet())
        .containsExactly("gcg-engine", "gcg-prefill", "C2 CompilerThre");
    assertThat(use.threadCores().get("gcg-engine")).isCloseTo(450.0 * cores / 1000, within(1e-9));
  }

  @Test
  void fullUseIsUndefinedWithoutACaptionAndIgnoresWhatWasNotMeasured() {
    CpuUse none = new CpuUse(4, 1, 2, 0, 2, 0.1, 0.0, Map.of());
    assertThat(none.fullUseCaptionsPerSecond()).isNaN();
    // no client time and no /proc/stat: the server's CPU alone on every core
    CpuUse unknown = new CpuUse(4, -1, 2, 8, 2, Double.NaN, Double.NaN, Map.of());
    assertThat(unknown.fullUseCaptionsPerSecond()).isCloseTo(4.0, within(1e-9));
  }

  @Test
  void threadsAreGroupedByNameAndTheirTicksRead() {
    assertThat(CpuUse.threadGroup("C2 CompilerThre2\n")).isEqualTo("C2 CompilerThre");
    assertThat(CpuUse.threadGroup("GC Thread#3")).isEqualTo("GC Thread");
    assertThat(CpuUse.threadGroup("grpc-default-ex")).isEqualTo("grpc-default-ex");
    assertThat(CpuUse.threadGroup("gcg-engine")).isEqualTo("gcg-engine");
    String stat = "4242 (gcg (x) engine) S 1 2 3 4 5 6 7 8 9 10 170 30 0 0 20 0 1 0";
    assertThat(CpuUse.threadStatTicks(stat)).isEqualTo(200);
    long self = ProcessHandle.current().pid();
    assertThat(CpuUse.threadTicks(self)).isNotEmpty();
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
