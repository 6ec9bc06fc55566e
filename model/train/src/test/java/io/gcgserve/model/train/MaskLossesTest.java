package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class MaskLossesTest {

  @Test
  void undecidedLogitsCostLnTwoPerPixelAndTheirDiceFollowsTheFormula() {
    try (NDManager manager = NDManager.newBaseManager()) {
      // one 2x2 mask, one pixel of four on; sigmoid(0) = 0.5 everywhere
      float[] targets = {1f, 0f, 0f, 0f};
      MaskLosses losses =
          MaskLosses.of(
              manager.zeros(new Shape(1, 2, 2)), manager.create(targets, new Shape(1, 2, 2)));
      assertThat((double) losses.bce().getFloat()).isCloseTo(Math.log(2), Offset.offset(1e-6));
      // 1 - (2 * 0.5 + 1) / (2 + 1 + 1)
      assertThat((double) losses.dice().getFloat()).isCloseTo(0.5, Offset.offset(1e-6));
    }
  }

  @Test
  void confidentCorrectLogitsCostAlmostNothingAndConfidentWrongOnesCostMuch() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Shape shape = new Shape(2, 2, 2);
      float[] targets = {1f, 1f, 0f, 0f, 0f, 1f, 0f, 0f};
      float[] right = new float[targets.length];
      float[] wrong = new float[targets.length];
      for (int i = 0; i < targets.length; i++) {
        right[i] = targets[i] > 0 ? 30f : -30f;
        wrong[i] = -right[i];
      }
      MaskLosses good = MaskLosses.of(manager.create(right, shape), manager.create(targets, shape));
      MaskLosses bad = MaskLosses.of(manager.create(wrong, shape), manager.create(targets, shape));
      assertThat((double) good.bce().getFloat()).isLessThan(1e-6);
      assertThat((double) good.dice().getFloat()).isLessThan(1e-6);
      assertThat((double) bad.bce().getFloat()).isCloseTo(30, Offset.offset(1e-3));
      assertThat((double) bad.dice().getFloat()).isGreaterThan(0.5);
      // large logits stay finite: the stable form never takes exp of a positive number
      assertThat(Double.isFinite(bad.bce().getFloat())).isTrue();
    }
  }
}
