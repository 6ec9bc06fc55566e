package io.gcgserve.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cancellations, deadlines, mid-stream errors and budgets are counted as what they are. */
class OutcomesTest {

  @Test
  void plannedCancellationsAreCountedAsCancelledAndNotAsErrors() throws Exception {
    try (ScriptedServer server =
        new ScriptedServer((request, call) -> ScriptedServer.Script.steady(5, 3, 40))
            .startInProcess()) {
      Workload workload =
          Harness.workload("poisson", 40, "2s", List.of(Harness.pruner("none")), 64, 0.5, "30s");
      LoadRunner.RunResult result = Harness.run(server, workload, null);
      List<PlannedRequest> plan = PlannedRequest.plan(workload, 3);

      long planned = plan.stream().filter(p -> p.cancelAfterTokens() > 0).count();
      assertThat(planned).isPositive();
      for (RequestRecord record : result.records()) {
        int cancelAfter = plan.get(record.index()).cancelAfterTokens();
        if (cancelAfter > 0) {
          assertThat(record.outcome()).isEqualTo(RequestRecord.CANCELLED);
          assertThat(record.status()).isEqualTo("CANCELLED");
          assertThat(record.tokens()).isEqualTo(cancelAfter);
          assertThat(record.isGood()).isFalse();
        } else {
          assertThat(record.outcome()).isEqualTo(RequestRecord.OK);
        }
      }
      JsonNode overall = Summary.build("t", workload, Slo.NONE, result, 80).path("overall");
      assertThat(overall.path("outcomes").path("cancelled").asLong()).isEqualTo(planned);
      assertThat(overall.path("outcomes").path("error").asInt()).isZero();
      // cancellations are left out of the good share's denominator
      assertThat(overall.path("good_share").asDouble()).isEqualTo(1.0);
    }
  }

  @Test
  void deadlinesAreCountedAsDeadlines() throws Exception {
    try (ScriptedServer server =
        new ScriptedServer(
                (request, call) -> ScriptedServer.Script.steady(call % 2 == 0 ? 400 : 5, 2, 3))
            .startInProcess()) {
      Workload workload =
          Harness.workload("constant", 10, "1s", List.of(Harness.pruner("none")), 64, 0, "150ms");
      LoadRunner.RunResult result = Harness.run(server, workload, null);

      assertThat(result.records()).hasSize(10);
      assertThat(result.records().stream().filter(r -> r.outcome().equals(RequestRecord.DEADLINE)))
          .hasSize(5)
          .allMatch(r -> r.status().equals("DEADLINE_EXCEEDED") && !r.isGood());
      assertThat(result.records().stream().filter(RequestRecord::ok)).hasSize(5);
    }
  }

  @Test
  void aStreamThatErrorsMidWayIsAnErrorAndNeverGood() throws Exception {
    try (ScriptedServer server =
        new ScriptedServer(
                (request, call) ->
                    request.getPruner().getName().equals("broken")
                        ? new ScriptedServer.Script(5, new double[] {2, 2, 2, 2, 2}, -1, 3)
                        : ScriptedServer.Script.steady(5, 2, 6))
            .startInProcess()) {
      Workload workload =
          Harness.workload(
              "poisson", 20, "2s", List.of(Harness.pruner("none"), Harness.pruner("broken")), 64);
      LoadRunner.RunResult result = Harness.run(server, workload, Slo.parse("ttft=10s"));

      List<RequestRecord> broken =
          result.records().stream().filter(r -> r.pruner().equals("broken")).toList();
      assertThat(broken).isNotEmpty();
      assertThat(broken)
          .allMatch(r -> r.outcome().equals(RequestRecord.ERROR))
          .allMatch(r -> r.status().equals("INTERNAL"))
          .allMatch(r -> r.tokens() == 3 && r.ttftMs() != null)
          .noneMatch(RequestRecord::isGood);
      assertThat(result.records().stream().filter(r -> r.pruner().equals("none")))
          .allMatch(RequestRecord::isGood);
      JsonNode byPruner =
          Summary.build("t", workload, Slo.parse("ttft=10s"), result, 40).path("by").path("pruner");
      assertThat(byPruner.path("broken").path("good").asInt()).isZero();
      assertThat(byPruner.path("broken").path("goodput_rps").asDouble()).isZero();
      // no OK request: no mean to report (not a zero)
      assertThat(byPruner.path("broken").path("mean_flops_ratio").asDouble()).isNaN();
    }
  }

  @Test
  void budgetTiersAndTheServersBudgetFiguresAreRecorded() throws Exception {
    try (ScriptedServer server =
        new ScriptedServer((request, call) -> ScriptedServer.Script.steady(5, 2, 4))
            .startInProcess()) {
      MixEntry budgeted =
          new MixEntry(null, null, "altp", Map.of(), null, BudgetSpec.parse("ttft=400ms"));
      MixEntry experiment = new MixEntry(null, 1.0, null, null, "ab", null);
      Workload workload =
          Harness.workload(
              "poisson", 30, "2s", List.of(Harness.pruner("none"), budgeted, experiment), 64);
      LoadRunner.RunResult result = Harness.run(server, workload, null);

      List<RequestRecord> withBudget =
          result.records().stream().filter(r -> r.budget().equals("ttft<=400ms")).toList();
      assertThat(withBudget).isNotEmpty().allMatch(RequestRecord::ok);
      assertThat(withBudget)
          .allMatch(r -> "PLANNED".equals(r.server().budgetDecision()))
          .allMatch(r -> "MET".equals(r.server().budgetOutcome()))
          .allMatch(r -> "TTFT".equals(r.server().budgetKind()))
          .allMatch(r -> r.keep().equals("0.25"));
      assertThat(result.records().stream().filter(r -> r.pruner().equals("exp:ab")))
          .isNotEmpty()
          .allMatch(r -> r.arm().startsWith("arm-") && r.subjectKey() != null);
      JsonNode by = Summary.build("t", workload, Slo.NONE, result, 60).path("by");
      assertThat(by.path("budget").has("ttft<=400ms")).isTrue();
      assertThat(
              by.path("budget")
                  .path("ttft<=400ms")
                  .path("budget")
                  .path("outcomes")
                  .path("MET")
                  .asInt())
          .isEqualTo(withBudget.size());
      assertThat(by.path("arm").has("arm-0") || by.path("arm").has("arm-1")).isTrue();
      assertThat(by.path("config").has("altp+ttft<=400ms")).isTrue();
    }
  }
}
