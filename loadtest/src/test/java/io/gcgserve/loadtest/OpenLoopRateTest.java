package io.gcgserve.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Real time: a 10 s Poisson run at 50/s against the double achieves 50/s within ±1%. */
class OpenLoopRateTest {

  @Test
  void achievedRateIsWithinOnePercentOfTheTargetOverTenSeconds() throws Exception {
    try (ScriptedServer server =
        new ScriptedServer((request, call) -> ScriptedServer.Script.steady(2, 1, 3))
            .startInProcess()) {
      LoadRunner.RunResult result =
          Harness.run(
              server,
              Harness.workload("poisson", 50, "10s", List.of(Harness.pruner("none")), 256),
              null);

      assertThat(result.records()).hasSize(500).allMatch(RequestRecord::ok);
      assertThat(result.targetRate()).isEqualTo(50);
      assertThat(result.achievedRate()).isCloseTo(50, offset(0.5));
      assertThat(server.calls()).isEqualTo(500);
    }
  }
}
