package io.gcgserve.eval.ab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SampleRatioTestTest {

  @TempDir Path directory;

  private static Map<String, Long> counts(long a, long b) {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("a", a);
    counts.put("b", b);
    return counts;
  }

  @Test
  void anEvenSplitPassesAndASkewedOneFails() {
    Map<String, Double> shares = Map.of("a", 0.5, "b", 0.5);
    SampleRatioTest even = SampleRatioTest.test(counts(5000, 5000), shares, null);
    assertThat(even.chiSquare()).isEqualTo(0.0);
    assertThat(even.pValue()).isCloseTo(1.0, within(1e-12));
    assertThat(even.mismatch()).isFalse();

    SampleRatioTest skewed = SampleRatioTest.test(counts(5400, 4600), shares, null);
    assertThat(skewed.chiSquare()).isCloseTo(64.0, within(1e-9));
    assertThat(skewed.degreesOfFreedom()).isEqualTo(1);
    // scipy.stats.chi2.sf(64, 1) == 1.2442e-15
    assertThat(skewed.pValue()).isCloseTo(1.2442e-15, within(1e-18));
    assertThat(skewed.mismatch()).isTrue();
  }

  @Test
  void aSmallSkewWithinChanceIsNotAMismatch() {
    // chi-square 4 with 1 df: p = 0.0455, suspicious but above 0.001
    SampleRatioTest test =
        SampleRatioTest.test(counts(5100, 4900), Map.of("a", 0.5, "b", 0.5), null);
    assertThat(test.pValue()).isCloseTo(0.0455, within(1e-4));
    assertThat(test.mismatch()).isFalse();
  }

  @Test
  void armsMissingFromTheLogCountAsZero() {
    SampleRatioTest test =
        SampleRatioTest.test(counts(500, 500), Map.of("a", 0.25, "b", 0.25), null);
    assertThat(test.observed()).containsEntry(SampleRatioTest.UNSEEN, 0L);
    assertThat(test.expected().get(SampleRatioTest.UNSEEN)).isCloseTo(500, within(1e-9));
    assertThat(test.mismatch()).isTrue();
  }

  @Test
  void aMismatchIsWarnedAtTheTopOfTheReportAndOnStderr() throws Exception {
    LogLines lines = new LogLines();
    for (int i = 0; i < 5400; i++) {
      lines.add("exp", "a", 0.5, "OK", 100 + i % 7);
    }
    for (int i = 0; i < 4600; i++) {
      lines.add("exp", "b", 0.5, "OK", 100 + i % 7);
    }
    Path log = lines.write(directory.resolve("access.log"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new CommandLine(new AbReportCommand(new PrintStream(err, true, StandardCharsets.UTF_8)))
            .execute(
                "--log",
                log.toString(),
                "--out",
                directory.resolve("out").toString(),
                "--bootstrap",
                "200");
    assertThat(code).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("SAMPLE RATIO MISMATCH");
    String markdown = Files.readString(directory.resolve("out/report.md"));
    String top = markdown.substring(markdown.indexOf('\n') + 1).stripLeading();
    assertThat(top).startsWith("> **WARNING: SAMPLE RATIO MISMATCH");
  }

  @Test
  void anEvenLogGetsNoWarning() throws Exception {
    LogLines lines = new LogLines();
    for (int i = 0; i < 5000; i++) {
      lines.add("exp", "a", 0.5, "OK", 100 + i % 7);
      lines.add("exp", "b", 0.5, "OK", 100 + i % 7);
    }
    Path log = lines.write(directory.resolve("access.log"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new CommandLine(new AbReportCommand(new PrintStream(err, true, StandardCharsets.UTF_8)))
            .execute(
                "--log",
                log.toString(),
                "--out",
                directory.resolve("out").toString(),
                "--bootstrap",
                "200");
    assertThat(code).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("SAMPLE RATIO MISMATCH");
    assertThat(Files.readString(directory.resolve("out/report.md")))
        .doesNotContain("WARNING")
        .contains("consistent with the configured shares");
  }
}
