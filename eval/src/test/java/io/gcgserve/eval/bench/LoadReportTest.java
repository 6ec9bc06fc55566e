package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadReportTest {

  private static LoadSummary captionsPerSecond(int captions) {
    List<CaptionProbe.Result> results = new ArrayList<>();
    for (int i = 0; i < captions; i++) {
      results.add(
          new CaptionProbe.Result(
              0, 0, 100_000_000, 400_000_000, new long[0], Status.Code.OK, "x", 10));
    }
    return LoadSummary.of(results, 1_000_000_000L, null);
  }

  private static String print(LoadReport report) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    report.printClosedLoop(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void printsRatiosAgainstConcurrencyOneAndThePrunerNone() {
    LoadReport report = new LoadReport(List.of("current"), List.of("none", "altp"), List.of(1, 4));
    report.addClosed("current", "none", 1, 1, captionsPerSecond(2));
    report.addClosed("current", "none", 4, 1, captionsPerSecond(3));
    report.addClosed("current", "altp", 1, 1, captionsPerSecond(4));
    report.addClosed("current", "altp", 4, 1, captionsPerSecond(9));
    report.addConsistency("current", List.of());
    String printed = print(report);
    assertThat(printed)
        .contains("[current] none: c=4 1.50x")
        .contains("[current] altp: c=4 2.25x")
        .contains("[current] altp: c=1 2.00x, c=4 3.00x")
        .contains("[current] " + EnginePhaseSplit.NOT_AVAILABLE)
        .contains("[current] greedy captions identical across concurrencies");
  }

  @Test
  void comparesTheServerWithTheBaseline() {
    LoadReport report = new LoadReport(List.of("current", "baseline"), List.of("none"), List.of(2));
    report.addClosed("current", "none", 2, 1, captionsPerSecond(6));
    report.addClosed("baseline", "none", 2, 1, captionsPerSecond(3));
    report.addConsistency("current", List.of("pruner none, image 0: 2 texts: ..."));
    assertThat(print(report))
        .contains("current / baseline")
        .contains("none c=2: 2.00x; 1.00x; 1.00x")
        .contains("[current] greedy captions DIFFER");
  }

  @Test
  void takesRatiosWithinEachRoundAndReportsTheirMedian() {
    LoadReport report = new LoadReport(List.of("current"), List.of("none"), List.of(1, 8));
    // the machine slows down over the rounds: c=1 and c=8 of one round share its speed
    int[][] captions = {{4, 10}, {2, 6}, {3, 6}};
    for (int round = 1; round <= captions.length; round++) {
      report.addClosed("current", "none", 1, round, captionsPerSecond(captions[round - 1][0]));
      report.addClosed("current", "none", 8, round, captionsPerSecond(captions[round - 1][1]));
    }
    report.addConsistency("current", List.of());
    String printed = print(report);
    assertThat(report.rounds()).isEqualTo(3);
    // within rounds 2.50, 3.00, 2.00: median 2.50; medians of each side would give 6 / 3 = 2.00
    assertThat(printed)
        .contains("vs c=1, median of 3 rounds")
        .contains("[current] none: c=8 2.50x [2.50, 3.00, 2.00]")
        .containsPattern("none +8 +2 +6 +6 +6\\.00"); // c, round, n, ok, captions/s
    // the configuration's own figures are its median round's by captions/s
    assertThat(report.closed("current", "none", 1)).isNotNull();
    assertThat(report.closed("current", "none", 1).captionsPerSecond()).isEqualTo(3.0);
    assertThat(report.closed("current", "none", 8, 1).captionsPerSecond()).isEqualTo(10.0);
  }

  @Test
  void anEvenNumberOfRoundsTakesTheLowerMiddleRoundAndTheMeanOfTheMiddleRatios() {
    LoadReport report = new LoadReport(List.of("current"), List.of("none"), List.of(1, 2));
    report.addClosed("current", "none", 1, 1, captionsPerSecond(2));
    report.addClosed("current", "none", 2, 1, captionsPerSecond(3));
    report.addClosed("current", "none", 1, 2, captionsPerSecond(4));
    report.addClosed("current", "none", 2, 2, captionsPerSecond(8));
    report.addConsistency("current", List.of());
    assertThat(print(report)).contains("c=2 1.75x [1.50, 2.00]");
    assertThat(report.closed("current", "none", 1).captionsPerSecond()).isEqualTo(2.0);
  }

  @Test
  void boundsEachRatioByFullUseOfTheCoresWhereTheCpuWasMeasured() {
    LoadReport report = new LoadReport(List.of("current"), List.of("none"), List.of(1, 8));
    report.addClosed("current", "none", 1, 1, captionsPerSecond(2));
    // 6 captions in 1 s on 2 cores, nothing stolen: 1.2 s of server and 0.3 s of client CPU,
    // 0.25 s per caption, so at most 8 captions/s: 4x the 2 of c=1
    CpuUse cpu = new CpuUse(1.2, 0.3, 1, 6, 2, 0.25, 0, Map.of());
    report.addClosed("current", "none", 8, 1, captionsPerSecond(6).withCpu(cpu));
    report.addConsistency("current", List.of());
    assertThat(print(report))
        .contains("[current] none: c=8 3.00x")
        .contains("[current] none, ceiling at full use of the cores: c=8 4.00x");
    assertThat(print(reportWithoutCpu())).doesNotContain("ceiling");
  }

  private static LoadReport reportWithoutCpu() {
    LoadReport report = new LoadReport(List.of("current"), List.of("none"), List.of(1, 8));
    report.addClosed("current", "none", 1, 1, captionsPerSecond(2));
    report.addClosed("current", "none", 8, 1, captionsPerSecond(6));
    report.addConsistency("current", List.of());
    return report;
  }

  @Test
  void refusesRoundZero() {
    LoadReport report = new LoadReport(List.of("current"), List.of("none"), List.of(1));
    assertThatThrownBy(() -> report.addClosed("current", "none", 1, 0, captionsPerSecond(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rounds count from 1");
  }
}
