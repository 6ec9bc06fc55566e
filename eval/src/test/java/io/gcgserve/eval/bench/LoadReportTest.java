package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
    report.addClosed("current", "none", 1, captionsPerSecond(2));
    report.addClosed("current", "none", 4, captionsPerSecond(3));
    report.addClosed("current", "altp", 1, captionsPerSecond(4));
    report.addClosed("current", "altp", 4, captionsPerSecond(9));
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
    report.addClosed("current", "none", 2, captionsPerSecond(6));
    report.addClosed("baseline", "none", 2, captionsPerSecond(3));
    report.addConsistency("current", List.of("pruner none, image 0: 2 texts: ..."));
    assertThat(print(report))
        .contains("current / baseline")
        .contains("none c=2: 2.00x; 1.00x; 1.00x")
        .contains("[current] greedy captions DIFFER");
  }
}
