package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LoadBenchOptionsTest {

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private LoadBench parse(String... args) {
    LoadBench bench =
        new LoadBench(
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    new CommandLine(bench).parseArgs(args);
    return bench;
  }

  @Test
  void defaultsAreTheBriefsConfiguration() {
    LoadBench bench = parse();
    assertThat(bench.validate())
        .extracting(PrunerConfig::label)
        .containsExactly("none", "altp:keep_ratio=0.1");
    assertThat(bench.concurrency).containsExactly(1, 2, 4, 8);
    assertThat(bench.maxNewTokens).isEqualTo(64);
    assertThat(bench.openLoopFraction).isEqualTo(0.8);
    assertThat(bench.openLoopSeconds).isEqualTo(30);
    assertThat(bench.soak).isZero();
    assertThat(bench.requestsPerStream).isPositive();
    assertThat(bench.baselineRoot).isNull();
    assertThat(bench.json).isNull();
  }

  @Test
  void readsEveryOption() {
    LoadBench bench =
        parse(
            "--concurrency",
            "1,3",
            "--pruners",
            "fastv:keep_ratio=0.25",
            "--requests-per-stream",
            "3",
            "--open-loop-fraction",
            "0",
            "--open-loop-seconds",
            "5",
            "--soak",
            "200",
            "--seed",
            "9",
            "--baseline-root",
            "/tmp/base",
            "--server-arg=--workers=2",
            "--server-arg=--queue-capacity=16",
            "--json",
            "/tmp/out.json");
    assertThat(bench.validate()).extracting(PrunerConfig::name).containsExactly("fastv");
    assertThat(bench.concurrency).containsExactly(1, 3);
    assertThat(bench.requestsPerStream).isEqualTo(3);
    assertThat(bench.openLoopFraction).isZero();
    assertThat(bench.soak).isEqualTo(200);
    assertThat(bench.seed).isEqualTo(9);
    assertThat(bench.baselineRoot).isEqualTo(Path.of("/tmp/base"));
    assertThat(bench.serverArgs).containsExactly("--workers=2", "--queue-capacity=16");
    assertThat(bench.json).isEqualTo(Path.of("/tmp/out.json"));
  }

  @Test
  void rejectsOutOfRangeValues() {
    assertThatThrownBy(() -> parse("--concurrency", "0,2").validate())
        .hasMessageContaining("--concurrency");
    assertThatThrownBy(() -> parse("--concurrency", "2,2").validate())
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> parse("--requests-per-stream", "0").validate())
        .hasMessageContaining("--requests-per-stream");
    assertThatThrownBy(() -> parse("--rounds", "0").validate())
        .hasMessageContaining("--rounds must be at least 1, got 0");
    assertThatThrownBy(() -> parse("--open-loop-fraction", "-0.5").validate())
        .hasMessageContaining("--open-loop-fraction");
    assertThatThrownBy(() -> parse("--open-loop-seconds", "0").validate())
        .hasMessageContaining("--open-loop-seconds");
    assertThatThrownBy(() -> parse("--pruners", "altp:keep_ratio").validate())
        .hasMessageContaining("key=value");
  }

  @Test
  void badOptionsExitWithUsageBeforeStartingAnyServer() {
    LoadBench bench = parse("--soak", "-1", "--root", "/nonexistent");
    int exit = new CommandLine(bench).execute("--soak", "-1", "--root", "/nonexistent");
    assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--soak must be at least 0")
        .doesNotContain("starting");
  }

  @Test
  void cancelProbeIsOffByDefaultAndProbesTheCostliestAltp() {
    LoadBench bench = parse();
    assertThat(bench.cancelProbe).isZero();
    assertThat(bench.cancelRange()).isEqualTo(new CancelSchedule.Range(20, 400));
    PrunerConfig probe = bench.cancelPrunerConfig();
    assertThat(probe.name()).isEqualTo("altp");
    // the largest label grid ALTP allows: the probe follows the cost cap
    double cap =
        new io.gcgserve.pruners.altp.AltpPrunerFactory()
            .parameters().stream()
                .filter(spec -> spec.name().equals("segment_pixels_per_token"))
                .findFirst()
                .orElseThrow()
                .max();
    assertThat(probe.spec().getAltp().getSegmentPixelsPerToken()).isEqualTo((int) cap);
    assertThat(probe.spec().getAltp().getSigma()).isEqualTo(10.0);
  }

  @Test
  void readsTheCancelProbeOptions() {
    LoadBench bench =
        parse(
            "--cancel-probe",
            "60",
            "--cancel-deadline-ms",
            "50..100",
            "--cancel-pruner",
            "fastv:keep_ratio=0.5");
    bench.validate();
    assertThat(bench.cancelProbe).isEqualTo(60);
    assertThat(bench.cancelRange()).isEqualTo(new CancelSchedule.Range(50, 100));
    assertThat(bench.cancelPrunerConfig().name()).isEqualTo("fastv");
  }

  @Test
  void rejectsBadCancelProbeOptions() {
    assertThatThrownBy(() -> parse("--cancel-probe", "-1").validate())
        .hasMessageContaining("--cancel-probe");
    assertThatThrownBy(() -> parse("--cancel-deadline-ms", "400..20").validate())
        .hasMessageContaining("--cancel-deadline-ms");
    assertThatThrownBy(() -> parse("--cancel-pruner", "altp:=1").validate())
        .hasMessageContaining("--cancel-pruner");
  }
}
