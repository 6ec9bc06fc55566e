package io.gcgserve.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The capacity search's judgement and bisection on a simulated server; repeated-run intervals. */
class CapacityAndRunsTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  /** A server that serves everything in 100 ms up to 6/s and misses the SLO beyond. */
  private static LoadRunner.RunResult simulated(Workload workload) {
    List<PlannedRequest> plan = PlannedRequest.plan(workload, 1);
    List<RequestRecord> records = new ArrayList<>();
    Slo slo = Slo.parse("ttft=400ms");
    for (PlannedRequest planned : plan) {
      double ttft = workload.rate() <= 6 ? 100 : 100 + planned.offsetNanos() / 1e6;
      RequestRecord record =
          new RequestRecord(
              planned.index(),
              "none",
              "none",
              "1.0",
              "none",
              "none",
              null,
              "a.png",
              planned.offsetNanos() / 1e6,
              planned.offsetNanos() / 1e6,
              "OK",
              RequestRecord.OK,
              null,
              ttft,
              ttft,
              null,
              null,
              ttft + 50,
              ttft + 50,
              List.of(5.0),
              5.0,
              2,
              0,
              ServerFigures.of(null, null),
              null,
              "");
      records.add(record.withGood(slo.met(record)));
    }
    return new LoadRunner.RunResult(
        records,
        Map.of(),
        workload.rate(),
        workload.rate(),
        workload.durationSeconds(),
        workload.durationSeconds(),
        0.1,
        0);
  }

  @Test
  void theSearchBracketsTheHighestRateThatMeetsTheSlo() throws Exception {
    Workload base = Harness.workload("poisson", 1, "10s", List.of(Harness.pruner("none")), 8);
    CapacitySearch.Settings settings = new CapacitySearch.Settings(1, 2, 4, 3, 0.10, 8);
    List<CapacitySearch.Step> steps =
        CapacitySearch.search(
            base, Slo.parse("ttft=400ms"), settings, CapacityAndRunsTest::simulated, QUIET);

    assertThat(steps).extracting(CapacitySearch.Step::rate).startsWith(1.0, 2.0, 4.0, 8.0, 6.0);
    assertThat(CapacitySearch.maxRate(steps)).isBetween(5.5, 6.0);
    assertThat(steps.get(3).pass()).isFalse();
    JsonNode json = CapacitySearch.json(steps, settings, 2);
    assertThat(json.path("max_rate").asDouble()).isEqualTo(CapacitySearch.maxRate(steps));
    assertThat(json.path("steps")).hasSize(8);
  }

  @Test
  void aStepIsStableOnlyWhenItsLastWindowsAgreeWithinTheSpread() {
    assertThat(CapacitySearch.stable(new double[] {1, 5.0, 5.2, 4.8}, 0.10)).isTrue();
    assertThat(CapacitySearch.stable(new double[] {5.0, 5.0, 3.0}, 0.10)).isFalse();
    assertThat(CapacitySearch.stable(new double[] {0, 0, 0}, 0.10)).isFalse();
  }

  @Test
  void repeatedRunsGetStudentTIntervals() {
    // mean 10, sample sd 1, n = 4: t(0.975, 3) = 3.182, half-width 3.182 * 1 / 2 = 1.591
    double[] interval =
        RepeatedRuns.interval(new double[] {9.0, 10.0, 11.0, 10.0 + 0.0 * Math.sqrt(2.0 / 3.0)});
    assertThat(interval[0]).isCloseTo(10.0, offset(1e-9));
    double sd = Math.sqrt(2.0 / 3.0);
    assertThat(interval[2] - interval[0]).isCloseTo(3.182446 * sd / 2, offset(1e-4));
    assertThat(RepeatedRuns.interval(new double[] {5})[1]).isNaN();
  }
}
