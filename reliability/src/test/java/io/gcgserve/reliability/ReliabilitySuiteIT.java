package io.gcgserve.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs every scenario of {@code bin/gcg-reliability} at tiny sizes ({@link Plan#tiny}: a few
 * requests each, no warm-up) against real {@code bin/gcg-serve} processes, so that the suite's code
 * cannot rot. The behavioural criteria (statuses, counts, completion, metrics) must hold; the
 * timing and trend criteria are printed but not asserted, since a tiny run on a shared machine says
 * nothing about them (the real run's figures are in server/README.md#reliability).
 */
class ReliabilitySuiteIT {

  @Test
  void everyScenarioRunsAtTinySizesAndMeetsItsBehaviouralCriteria() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    PrintStream out = System.out;
    List<ScenarioResult> results =
        ReliabilityCommand.run(root, Plan.tiny(21), ReliabilityCommand.SCENARIOS, out);

    assertThat(results)
        .extracting(ScenarioResult::name)
        .containsExactlyElementsOf(ReliabilityCommand.SCENARIOS);
    for (ScenarioResult result : results) {
      assertThat(result.checks()).as(result.name()).isNotEmpty();
      for (ScenarioResult.Check check : result.checks()) {
        if (!check.statistical()) {
          assertThat(check.met()).as(result.line()).isTrue();
        }
      }
    }
  }
}
