package io.gcgserve.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A 2 s stall of one stream, with at most one stream in flight (a client that cannot open more,
 * like a fixed pool of connections): the requests due during the stall are sent late. Measured from
 * their intended send time, the stall shows in the p99; measured from the actual send, as ghz and
 * most tools do, it hides in one sample.
 */
class CoordinatedOmissionTest {

  @Test
  void aStallShowsInTheCorrectedP99AndNotInTheUncorrectedOne() throws Exception {
    // 20/s constant = one every 50 ms; each stream takes 10 + 8 x 4 = 42 ms; stream 10 stalls 2 s
    try (ScriptedServer server =
        new ScriptedServer(
                (request, call) -> ScriptedServer.Script.steady(call == 10 ? 2000 : 10, 4, 9))
            .startInProcess()) {
      Workload workload =
          Harness.workload("constant", 20, "5s", List.of(Harness.pruner("none")), 1);
      LoadRunner.RunResult result = Harness.run(server, workload, null);

      assertThat(result.records()).hasSize(100).allMatch(RequestRecord::ok);
      assertThat(result.lateSends()).isGreaterThan(10);
      JsonNode e2e =
          Summary.build("in-process", workload, Slo.NONE, result, 100)
              .path("overall")
              .path("e2e_ms");
      assertThat(e2e.path("corrected").path("p99").asDouble()).isGreaterThanOrEqualTo(2000);
      assertThat(e2e.path("sent").path("p99").asDouble()).isLessThan(500);
      assertThat(e2e.path("sent").path("max").asDouble()).isGreaterThanOrEqualTo(2000);
    }
  }
}
