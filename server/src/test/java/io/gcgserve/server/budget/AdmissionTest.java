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

  private static final double PIECES_MILLIS = 40;

  private static PrefillReport report() {
    return new PrefillReport(3, 576, new int[] {576, 576}, 1.0, PIECES_MILLIS, 0);
  }

  @Test
  void theServiceObservedIsTheTimeThePrefillPiecesRanNotTheWaitBehindOthers() {
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
    for (int i = 0; i < 40; i++) {
      Admission admission = new Admission(costs, new KeepCeiling(false, 0.1), work, choice, 1);
      // joined 200 ms ago and waited behind other requests' prefills: its pieces ran 40 ms
      admission.started(System.nanoTime() - 200_000_000L);
      admission.prefilled(report());
      admission.firstToken(PIECES_MILLIS + 5);
    }
    assertThat(costs.predictService(NoPruner.NAME, NoPruner.NAME, 1.0))
        .isCloseTo(PIECES_MILLIS, within(1.0));
    assertThat(work.pending()).isZero();
  }
}
