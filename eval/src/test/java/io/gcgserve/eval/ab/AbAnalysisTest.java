package io.gcgserve.eval.ab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AbAnalysisTest {

  @TempDir Path directory;

  private AbReport analyse(LogLines lines, String control) throws IOException {
    LogReading reading =
        AccessLogReader.read(lines.write(directory.resolve("access.log")), count -> {});
    return AbAnalysis.analyse(reading, null, control, 2000, 1, null, step -> {});
  }

  private static Comparison find(List<Comparison> comparisons, String key) {
    return comparisons.stream()
        .filter(comparison -> comparison.metric().key().equals(key))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aKnownTtftShiftIsCoveredAndNamesTheFasterArm() throws IOException {
    LogLines lines =
        new LogLines()
            .normal("exp", "fastv25", 1500, 300, 30, 11)
            .normal("exp", "altp25", 1500, 250, 30, 12);
    AbReport report = analyse(lines, null);

    assertThat(report.log().control()).isEqualTo("fastv25"); // first to appear
    Comparison ttft = find(report.comparisons(), "ttft_p50_ms");
    assertThat(ttft.arm()).isEqualTo("altp25");
    assertThat(ttft.low()).isLessThan(-50).isGreaterThan(-60);
    assertThat(ttft.high()).isGreaterThan(-50).isLessThan(0);
    assertThat(ttft.outcome()).isEqualTo(Comparison.Outcome.ARM_BETTER);
    assertThat(ttft.verdict())
        .startsWith("altp25 is faster than fastv25 by ")
        .contains(" ms at TTFT p50 (95% CI)");
    // end-to-end carries the same shift
    assertThat(find(report.comparisons(), "total_p50_ms").outcome())
        .isEqualTo(Comparison.Outcome.ARM_BETTER);
  }

  @Test
  void namingTheOtherControlTurnsTheVerdictAround() throws IOException {
    LogLines lines =
        new LogLines()
            .normal("exp", "fastv25", 1500, 300, 30, 11)
            .normal("exp", "altp25", 1500, 250, 30, 12);
    Comparison ttft = find(analyse(lines, "altp25").comparisons(), "ttft_p50_ms");
    assertThat(ttft.low()).isGreaterThan(0).isLessThan(50);
    assertThat(ttft.high()).isGreaterThan(50);
    assertThat(ttft.verdict()).startsWith("fastv25 is slower than altp25 by ");
  }

  @Test
  void identicalArmsShowNoDetectableDifference() throws IOException {
    LogLines lines =
        new LogLines().normal("exp", "a", 1500, 300, 30, 21).normal("exp", "b", 1500, 300, 30, 22);
    AbReport report = analyse(lines, null);
    for (String key : List.of("ttft_p50_ms", "ttft_p90_ms", "total_p50_ms", "error_rate_pct")) {
      Comparison comparison = find(report.comparisons(), key);
      assertThat(comparison.low()).as(key).isLessThanOrEqualTo(0);
      assertThat(comparison.high()).as(key).isGreaterThanOrEqualTo(0);
      assertThat(comparison.outcome()).as(key).isEqualTo(Comparison.Outcome.NO_DIFFERENCE);
      assertThat(comparison.verdict()).as(key).startsWith("no detectable difference at ");
    }
  }

  @Test
  void errorRatesAreComparedOverAllRequestsAndLatencyOverOkOnes() throws IOException {
    LogLines lines = new LogLines();
    for (int i = 0; i < 400; i++) {
      lines.add("exp", "a", 0.5, "OK", 100);
      lines.add("exp", "b", 0.5, i % 4 == 0 ? "RESOURCE_EXHAUSTED" : "OK", 100);
    }
    AbReport report = analyse(lines, null);
    ServingFigures b = report.serving().get(1);
    assertThat(b.value(LatencyMetric.ERROR_RATE)).isEqualTo(25.0);
    assertThat(b.size(LatencyMetric.TTFT_P50)).isEqualTo(300);
    assertThat(b.arm().statuses())
        .containsEntry("RESOURCE_EXHAUSTED", 100)
        .containsEntry("OK", 300);
    Comparison errors = find(report.comparisons(), "error_rate_pct");
    assertThat(errors.outcome()).isEqualTo(Comparison.Outcome.ARM_WORSE);
    assertThat(errors.verdict()).startsWith("b is less reliable than a by ");
  }

  @Test
  void chooseTheExperimentOrSayWhichThereAre() throws IOException {
    LogLines lines =
        new LogLines()
            .add("one", "a", 0.5, "OK", 10)
            .add("two", "a", 0.5, "OK", 10)
            .add("two", "b", 0.5, "OK", 10);
    LogReading reading =
        AccessLogReader.read(lines.write(directory.resolve("access.log")), count -> {});
    assertThatThrownBy(() -> AbAnalysis.analyse(reading, null, null, 200, 1, null, s -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one")
        .hasMessageContaining("two");
    assertThatThrownBy(() -> AbAnalysis.analyse(reading, "three", null, 200, 1, null, s -> {}))
        .hasMessageContaining("three is not in the log");
    assertThatThrownBy(() -> AbAnalysis.analyse(reading, "two", "c", 200, 1, null, s -> {}))
        .hasMessageContaining("[a, b]");
    AbReport two = AbAnalysis.analyse(reading, "two", null, 200, 1, null, s -> {});
    assertThat(two.log().arms()).extracting(ArmSample::name).containsExactly("a", "b");
    assertThat(two.log().otherLines()).isEqualTo(1);
  }
}
