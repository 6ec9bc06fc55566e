package io.gcgserve.server.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gcgserve.model.PrefillReport;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.server.budget.BudgetController.Choice;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionTest {

  @Test
  void theServiceObservedRunsFromJoiningTheBatchWaitsBehindOtherPrefillsIncluded() {
    CostModel costs = new CostModel();
    costs.calibrate(NoPruner.NAME, new double[] {0.1, 0.5}, new double[] {10, 30});
    WorkAhead work = new WorkAhead();
    Choice choice =
        new Choice(
            NoPruner.NAME,
            Map.of(),
            new NoPruner().create(Map.of(), new ModelGeometry(2, 24, 24, 128, 256)),
            1.0,
            50,
            null);
    // each joined 200 ms before its prefill ended, of which its own pieces ran 40 ms
    PrefillReport report = new PrefillReport(3, 576, new int[] {576, 576}, 1.0, 40, 0);
    for (int i = 0; i < 40; i++) {
      Admission admission = new Admission(costs, new KeepCeiling(false, 0.1), work, choice, 1);
      long prefilled = System.nanoTime();
      admission.started(prefilled - 200_000_000L);
      admission.prefilled(prefilled, report);
      admission.firstToken(210);
    }
    // the load signal: the wait counts (CostModel, service)
    assertThat(costs.predictService(NoPruner.NAME, NoPruner.NAME, 1.0)).isCloseTo(200, within(1.0));
    assertThat(work.pending()).isZero();
  }
}
