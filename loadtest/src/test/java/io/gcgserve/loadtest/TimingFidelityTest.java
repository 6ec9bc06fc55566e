package io.gcgserve.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the load tester measures equals what the double was scripted to do, within 1 ms. */
class TimingFidelityTest {

  private static final double[] GAPS = {5, 12, 3, 20, 8, 8, 15};

  @Test
  void measuredTtftAndGapsEqualTheScriptedOnes() throws Exception {
    try (ScriptedServer server =
        new ScriptedServer(
                (request, call) ->
                    call < 300
                        ? ScriptedServer.Script.steady(1, 1, 3)
                        : new ScriptedServer.Script(40 + 10 * ((call - 300) % 3), GAPS, 2, -1))
            .startInProcess()) {
      // warm the JIT up first: interpreted, the client's send path alone takes about a ms
      Harness.run(
          server,
          Harness.workload("poisson", 300, "1s", List.of(Harness.pruner("none")), 512),
          null);
      LoadRunner.RunResult result =
          Harness.run(
              server,
              Harness.workload("poisson", 10, "3s", List.of(Harness.pruner("none")), 64),
              null);

      assertThat(result.records()).hasSize(30).allMatch(RequestRecord::ok);
      List<Double> ttftErrors = new ArrayList<>();
      List<Double> gapErrors = new ArrayList<>();
      List<Double> maskErrors = new ArrayList<>();
      List<Double> tpotErrors = new ArrayList<>();
      // the first half second warms up the JIT and the in-process transport
      List<RequestRecord> measured = Summary.measured(result.records(), 0.5);
      assertThat(measured).hasSizeGreaterThan(20);
      for (RequestRecord record : measured) {
        int call = Integer.parseInt(record.server().requestId().substring("call-".length()));
        double scripted = 40 + 10 * ((call - 300) % 3);
        ttftErrors.add(Math.abs(record.ttftSentMs() - scripted));
        assertThat(record.itlMs()).hasSize(GAPS.length);
        for (int i = 0; i < GAPS.length; i++) {
          gapErrors.add(Math.abs(record.itlMs().get(i) - GAPS[i]));
        }
        assertThat(record.tokens()).isEqualTo(GAPS.length + 1);
        assertThat(record.phrases()).isEqualTo(1);
        // the mask came right after token 2
        maskErrors.add(Math.abs(record.tfmSentMs() - (scripted + GAPS[0] + GAPS[1])));
        tpotErrors.add(Math.abs(record.tpotMs() - Arrays.stream(GAPS).sum() / GAPS.length));
        assertThat(record.server().flopsRatio()).isEqualTo(0.39);
        assertThat(record.server().queueMs()).isEqualTo(1.0);
      }
      // Against the script: the median error is within 1 ms.
      assertThat(percentile(ttftErrors, 50)).isLessThanOrEqualTo(1.0);
      assertThat(percentile(gapErrors, 50)).isLessThanOrEqualTo(1.0);
      assertThat(percentile(maskErrors, 50)).isLessThanOrEqualTo(1.0);
      assertThat(percentile(tpotErrors, 50)).isLessThanOrEqualTo(1.0);
      // Against what the double actually did (its timer fires late now and then on a loaded
      // machine, which is the double's error, not the load tester's): 90% within 1 ms. The rest
      // is the delivering thread being preempted between the double's clock read and ours.
      List<Double> againstEmitted = new ArrayList<>();
      for (RequestRecord record : measured) {
        List<Long> emitted = server.emitted(record.server().requestId());
        againstEmitted.add(Math.abs(record.ttftSentMs() - (emitted.get(1) - emitted.get(0)) / 1e6));
        for (int i = 0; i < GAPS.length; i++) {
          againstEmitted.add(
              Math.abs(record.itlMs().get(i) - (emitted.get(i + 2) - emitted.get(i + 1)) / 1e6));
        }
      }
      assertThat(percentile(againstEmitted, 90)).isLessThanOrEqualTo(1.0);
    }
  }

  static double percentile(List<Double> values, double percent) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int rank = (int) Math.ceil(percent / 100 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
