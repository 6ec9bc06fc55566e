package io.gcgserve.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The schedule on its own, and the scheduler on a virtual clock (no waiting). */
class ArrivalScheduleTest {

  @Test
  void poissonGapsAreExponentialAndTheCountIsExact() {
    long[] offsets = ArrivalSchedule.offsets("poisson", 10, 1, 20_001, 3);
    // conditioned on the count: 20,000 gaps span exactly 2,000 s
    assertThat(offsets[offsets.length - 1] / 1e9).isCloseTo(2000, offset(1e-6));
    assertThat(coefficientOfVariation(offsets)).isCloseTo(1.0, offset(0.05));
  }

  @Test
  void gammaBurstinessSetsTheSpreadOfGaps() {
    // shape k: coefficient of variation 1/sqrt(k)
    assertThat(coefficientOfVariation(ArrivalSchedule.offsets("gamma", 10, 0.25, 20_001, 3)))
        .isCloseTo(2.0, offset(0.15));
    assertThat(coefficientOfVariation(ArrivalSchedule.offsets("gamma", 10, 4, 20_001, 3)))
        .isCloseTo(0.5, offset(0.03));
    assertThat(coefficientOfVariation(ArrivalSchedule.offsets("constant", 10, 1, 101, 3)))
        .isCloseTo(0, offset(1e-6));
  }

  @Test
  void theSameSeedGivesTheSamePlanAndCancellationsDoNotMoveArrivals() {
    Workload plain =
        Harness.workload(
            "poisson", 5, "20s", List.of(Harness.pruner("none"), Harness.pruner("altp")), 8);
    Workload cancelling =
        Harness.workload(
            "poisson",
            5,
            "20s",
            List.of(Harness.pruner("none"), Harness.pruner("altp")),
            8,
            0.3,
            "30s");
    List<PlannedRequest> first = PlannedRequest.plan(plain, 3);
    assertThat(PlannedRequest.plan(plain, 3)).isEqualTo(first);
    List<PlannedRequest> other = PlannedRequest.plan(cancelling, 3);
    assertThat(other).hasSameSizeAs(first);
    for (int i = 0; i < first.size(); i++) {
      assertThat(other.get(i).offsetNanos()).isEqualTo(first.get(i).offsetNanos());
      assertThat(other.get(i).mix()).isEqualTo(first.get(i).mix());
    }
    assertThat(other.stream().filter(p -> p.cancelAfterTokens() > 0).count()).isBetween(15L, 45L);
  }

  @Test
  void theSchedulerSendsEachRequestAtItsDueTimeOnAVirtualClock() throws Exception {
    VirtualClock clock = new VirtualClock();
    try (ScriptedServer server =
        new ScriptedServer((request, call) -> ScriptedServer.Script.steady(1, 1, 2))
            .startInProcess()) {
      Workload workload =
          Harness.workload("poisson", 200, "5s", List.of(Harness.pruner("none")), 10_000);
      List<PlannedRequest> plan = PlannedRequest.plan(workload, 3);
      LoadRunner runner = new LoadRunner(server.channel(), clock, new Progress(null, clock, "t"));
      LoadRunner.RunResult result = runner.run(workload, Harness.images(), plan);

      assertThat(result.records()).hasSize(1000);
      for (RequestRecord record : result.records()) {
        assertThat(record.sentMs()).isEqualTo(record.intendedMs());
      }
      assertThat(result.achievedRate()).isCloseTo(200, offset(1e-6));
      assertThat(result.lateSends()).isZero();
    }
  }

  @Test
  void badProcessesAreRejected() {
    assertThatThrownBy(() -> ArrivalSchedule.offsets("uniform", 1, 1, 3, 1))
        .hasMessageContaining("not an open-loop process");
  }

  private static double coefficientOfVariation(long[] offsets) {
    double[] gaps = new double[offsets.length - 1];
    for (int i = 1; i < offsets.length; i++) {
      gaps[i - 1] = offsets[i] - offsets[i - 1];
    }
    double mean = java.util.Arrays.stream(gaps).average().orElseThrow();
    double variance =
        java.util.Arrays.stream(gaps).map(g -> (g - mean) * (g - mean)).sum() / (gaps.length - 1);
    return Math.sqrt(variance) / mean;
  }

  /** A clock that jumps to each deadline instead of waiting for it. */
  static final class VirtualClock implements Clock {
    private long now = 1_000_000_000L;

    @Override
    public synchronized long nanoTime() {
      return now;
    }

    @Override
    public synchronized void sleepUntil(long deadlineNanos) {
      now = Math.max(now, deadlineNanos);
    }
  }
}
