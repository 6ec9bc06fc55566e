package io.gcgserve.eval.ab;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class AbDriveSummaryTest {

  private static AbDriveCall.Result ok(
      int index, @Nullable String started, @Nullable String header, double ttft) {
    return new AbDriveCall.Result(index, Status.Code.OK, null, started, header, ttft);
  }

  private static AbDriveCall.Result failed(
      int index, Status.Code code, @Nullable String started, @Nullable String header) {
    return new AbDriveCall.Result(index, code, "why", started, header, Double.NaN);
  }

  @Test
  void talliesEachArmWithStartedBeforeTheHeader() {
    AbDriveSummary summary =
        AbDriveSummary.of(
            List.of(
                ok(0, "a", "a", 10),
                ok(1, "a", null, 30),
                ok(2, "a", "b", 20),
                ok(3, null, "b", 5),
                failed(4, Status.Code.RESOURCE_EXHAUSTED, null, "b"),
                failed(5, Status.Code.UNIMPLEMENTED, null, null),
                failed(6, Status.Code.DEADLINE_EXCEEDED, "b", "b")),
            2_000_000_000L);

    assertThat(summary.arms())
        .containsExactly(
            new AbDriveSummary.Arm(
                AbDriveSummary.NO_ARM, 1, 0, Map.of("UNIMPLEMENTED", 1), Double.NaN),
            new AbDriveSummary.Arm("a", 3, 3, Map.of(), 20),
            new AbDriveSummary.Arm(
                "b", 3, 1, Map.of("DEADLINE_EXCEEDED", 1, "RESOURCE_EXHAUSTED", 1), 5));
    assertThat(summary.requests()).isEqualTo(7);
    assertThat(summary.ok()).isEqualTo(4);
    assertThat(summary.disagreeing()).isEqualTo(1);
    assertThat(summary.allFailed()).isFalse();
    assertThat(summary.firstFailure()).isEqualTo("RESOURCE_EXHAUSTED: why");
  }

  @Test
  void printsOneRowPerArmAndTheArmSources() {
    AbDriveSummary summary =
        AbDriveSummary.of(
            List.of(
                ok(0, "fastv25", "fastv25", 12.5), failed(1, Status.Code.INTERNAL, null, "altp25")),
            1_000_000_000L);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    summary.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), "fvsa");

    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertThat(printed)
        .contains("experiment fvsa: 2 requests, 1 OK, 1 failed (INTERNAL=1), 1.0 s, 2.00 req/s")
        .containsPattern("altp25\\s+1\\s+0\\s+-\\s+INTERNAL=1")
        .containsPattern("fastv25\\s+1\\s+1\\s+12.5\\s+-")
        .contains("Started.arm in 1, by the gcg-arm header in 2, disagreeing in 0 of 2");
  }

  @Test
  void everyRequestFailedIsReported() {
    AbDriveSummary summary =
        AbDriveSummary.of(List.of(failed(0, Status.Code.UNAVAILABLE, null, null)), 1);

    assertThat(summary.allFailed()).isTrue();
    assertThat(summary.errors()).isEqualTo(Map.of("UNAVAILABLE", 1));
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(AbDriveSummary.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(AbDriveSummary.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    assertThat(AbDriveSummary.median(new double[0])).isNaN();
  }
}
