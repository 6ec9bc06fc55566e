package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SoakTrendTest {

  private static LoadRunner.RssSample sample(int requests, double megabytes) {
    return new LoadRunner.RssSample(requests, Math.round(megabytes * 1024));
  }

  @Test
  void maxAndSlopeComeFromTheSecondHalfOnly() {
    List<LoadRunner.RssSample> samples =
        List.of(
            sample(0, 500),
            sample(50, 900),
            sample(100, 1000),
            sample(150, 1001),
            sample(200, 1002));
    SoakTrend trend = SoakTrend.of(samples, 200);
    // second half: 100, 150, 200 requests -> 1000, 1001, 1002 MiB: 2 MiB per 100 requests
    assertThat(trend.lastHalfMaxMegabytes()).isCloseTo(1002, within(1e-3));
    assertThat(trend.lastHalfSlopeMegabytesPer100()).isCloseTo(2, within(1e-3));
    assertThat(trend.samples()).hasSize(5);
  }

  @Test
  void printsTheSeriesAndTheTrendAndWritesThemAsJson() {
    SoakTrend trend = SoakTrend.of(List.of(sample(0, 100), sample(50, 120), sample(100, 121)), 100);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    trend.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), "current");
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("Soak [current] RSS in MiB after N requests (N:MiB): 0:100 50:120 100:121")
        .contains("last half: max 121.0 MiB, slope +2.00 MiB per 100 requests");
    assertThat(trend.toJson())
        .containsEntry("last_half_max_mib", 121.0)
        .containsKey("last_half_slope_mib_per_100_requests");
    assertThat((List<?>) trend.toJson().get("rss")).hasSize(3);
  }

  @Test
  void tooFewSamplesLeaveTheSlopeUndefined() {
    SoakTrend trend = SoakTrend.of(List.of(sample(0, 100), sample(50, 120)), 50);
    assertThat(trend.lastHalfMaxMegabytes()).isCloseTo(120, within(1e-3));
    assertThat(trend.lastHalfSlopeMegabytesPer100()).isNaN();
  }
}
