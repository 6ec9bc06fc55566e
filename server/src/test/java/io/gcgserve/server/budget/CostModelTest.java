package io.gcgserve.server.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CostModelTest {

  /** A synthetic service-time source: 20 ms + 80 ms per unit of keep ratio, ±10% noise. */
  private static double service(double keepRatio, SplittableRandom random) {
    return (20 + 80 * keepRatio) * (0.9 + 0.2 * random.nextDouble());
  }

  @Test
  void theCalibrationLineIsThePriorOfEveryBucket() {
    CostModel model = new CostModel();
    model.calibrate("altp", new double[] {0.1, 0.5}, new double[] {30, 70});
    // line 20 + 100 r, read at each bucket's upper edge
    assertThat(model.predictService("altp", "none", 0.1)).isCloseTo(30, within(1e-9));
    assertThat(model.predictService("altp", "none", 0.5)).isCloseTo(70, within(1e-9));
    assertThat(model.predictService("altp", "none", 1.0)).isCloseTo(120, within(1e-9));
  }

  @Test
  void itConvergesOnASyntheticServiceTimeSourceFromAWrongCalibration() {
    CostModel model = new CostModel();
    // calibrated on an idle machine, served on one twice as slow
    model.calibrate("fastv", new double[] {0.1, 0.5}, new double[] {14, 30});
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 4000; i++) {
      double keep = random.nextDouble(0.01, 1.0);
      model.observeService("fastv", keep, 2 * service(keep, random));
    }
    for (double keep : new double[] {0.1, 0.25, 0.5, 0.75, 1.0}) {
      // the bucket's upper edge is what it predicts; its mean lies within the bucket
      double expected = 2 * (20 + 80 * keep);
      assertThat(model.predictService("fastv", "none", keep))
          .isCloseTo(expected, within(0.12 * expected));
    }
  }

  @Test
  void predictionsNeverFallAsTheKeepRatioGrows() {
    CostModel model = new CostModel();
    model.calibrate("pdrop", new double[] {0.1, 0.5}, new double[] {40, 60});
    model.observeService("pdrop", 0.42, 500);
    model.observeService("pdrop", 0.9, 10);
    double previous = 0;
    for (int i = 1; i <= 100; i++) {
      double predicted = model.predictService("pdrop", "none", i / 100.0);
      assertThat(predicted).isGreaterThanOrEqualTo(previous);
      previous = predicted;
    }
    assertThat(model.predictService("pdrop", "none", 0.95)).isGreaterThanOrEqualTo(500);
  }

  @Test
  void aStaleCalibrationIsScaledByWhatRealRequestsTook() {
    CostModel model = new CostModel();
    // calibrated while the machine was busy: three times what requests take later
    model.calibrate("none", new double[] {1.0}, new double[] {300});
    model.calibrate("altp", new double[] {0.1, 0.5}, new double[] {60, 180});
    for (int i = 0; i < 30; i++) {
      model.observeService("none", 1.0, 100);
      model.observeService("altp", 0.5, 60);
    }
    assertThat(model.predictService("none", "none", 1.0)).isCloseTo(100, within(1e-6));
    // buckets never seen follow the line scaled by observed / line (60 / 180)
    assertThat(model.predictService("altp", "none", 0.1)).isCloseTo(20, within(1e-6));
    assertThat(model.predictService("altp", "none", 1.0)).isCloseTo(110, within(1e-6));
  }

  @Test
  void anUnknownPrunerIsPredictedByTheFallbackAndNothingByNothing() {
    CostModel model = new CostModel();
    assertThat(model.predictService("grid", "none", 0.5)).isZero();
    model.calibrate("none", new double[] {1.0}, new double[] {60});
    assertThat(model.knows("grid")).isFalse();
    assertThat(model.predictService("grid", "none", 0.5)).isEqualTo(60);
  }

  @Test
  void residualsAreLearnedPerOccupancyAndBorrowedFromBelow() {
    CostModel model = new CostModel();
    assertThat(model.predictResidual(3)).isZero();
    for (int i = 0; i < 50; i++) {
      model.observeResidual(2, 40);
      model.observeResidual(8, 400);
    }
    assertThat(model.predictResidual(2)).isCloseTo(40, within(1e-6));
    assertThat(model.predictResidual(5)).isCloseTo(40, within(1e-6));
    assertThat(model.predictResidual(8)).isCloseTo(400, within(1e-6));
    assertThat(model.predictResidual(1000)).isCloseTo(400, within(1e-6));
    assertThat(model.predictResidual(0)).isZero();
  }

  @Test
  void theResidualsDeviationIsTheHeadroom() {
    CostModel model = new CostModel();
    for (int i = 0; i < 400; i++) {
      model.observeResidual(4, i % 2 == 0 ? 20 : 80);
      model.observeResidual(1, 30);
    }
    assertThat(model.predictResidual(4)).isCloseTo(50, within(8.0));
    assertThat(model.residualDeviation(4)).isCloseTo(30, within(8.0));
    assertThat(model.residualDeviation(1)).isZero();
    assertThat(model.residualDeviation(0)).isZero();
    assertThat(model.residualDeviation(6)).isEqualTo(model.residualDeviation(4));
  }

  @Test
  void workAheadSumsWhatIsPendingAndForgetsWhatLeft() {
    WorkAhead work = new WorkAhead();
    WorkAhead.Ticket first = work.enter(50);
    WorkAhead.Ticket second = work.enter(30);
    assertThat(first.aheadMillis()).isZero();
    assertThat(second.aheadMillis()).isEqualTo(50);
    first.leave();
    first.leave();
    assertThat(work.pendingMillis()).isEqualTo(30);
    assertThat(work.enter(10).aheadMillis()).isEqualTo(30);
    assertThat(work.pending()).isEqualTo(2);
  }
}
