package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.grpc.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadSummaryTest {

  private static final long MS = 1_000_000;

  private static CaptionProbe.Result ok(long ttftMillis, long latencyMillis, int tokens) {
    return new CaptionProbe.Result(
        0,
        1000 * MS,
        (1000 + ttftMillis) * MS,
        (1000 + latencyMillis) * MS,
        new long[] {4 * MS, 6 * MS},
        Status.Code.OK,
        "a caption",
        tokens);
  }

  private static CaptionProbe.Result failed(Status.Code code) {
    return new CaptionProbe.Result(0, 0, -1, 5 * MS, new long[0], code, "", 0);
  }

  @Test
  void ratesAndPercentilesCoverOnlySuccessfulRequests() {
    List<CaptionProbe.Result> results =
        List.of(
            ok(100, 500, 40),
            ok(200, 600, 50),
            ok(300, 700, 60),
            failed(Status.Code.RESOURCE_EXHAUSTED),
            failed(Status.Code.RESOURCE_EXHAUSTED),
            failed(Status.Code.UNAVAILABLE));
    LoadSummary summary = LoadSummary.of(results, 2_000 * MS, null);
    assertThat(summary.requests()).isEqualTo(6);
    assertThat(summary.ok()).isEqualTo(3);
    assertThat(summary.captionsPerSecond()).isCloseTo(1.5, within(1e-9));
    assertThat(summary.tokensPerSecond()).isCloseTo(75, within(1e-9));
    assertThat(summary.ttftP50Millis()).isCloseTo(200, within(1e-9));
    assertThat(summary.ttftP90Millis()).isCloseTo(280, within(1e-9));
    assertThat(summary.latencyP50Millis()).isCloseTo(600, within(1e-9));
    assertThat(summary.interTokenGaps()).isEqualTo(6);
    assertThat(summary.interTokenP50Millis()).isCloseTo(5, within(1e-9));
    assertThat(summary.errors()).isEqualTo(Map.of("RESOURCE_EXHAUSTED", 2, "UNAVAILABLE", 1));
    assertThat(summary.errorsText()).isEqualTo("RESOURCE_EXHAUSTED x2, UNAVAILABLE x1");
    assertThat(summary.toJson()).containsEntry("ok", 3).doesNotContainKey("phase_split");
  }

  @Test
  void noSuccessLeavesPercentilesUndefined() {
    LoadSummary summary =
        LoadSummary.of(List.of(failed(Status.Code.DEADLINE_EXCEEDED)), 1_000 * MS, null);
    assertThat(summary.captionsPerSecond()).isZero();
    assertThat(summary.ttftP50Millis()).isNaN();
    assertThat(summary.errorsText()).isEqualTo("DEADLINE_EXCEEDED x1");
  }
}
