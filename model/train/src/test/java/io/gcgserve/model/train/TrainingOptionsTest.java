package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TrainingOptionsTest {

  private static TrainingOptions withMaskWeights(double bce, double dice) {
    return new TrainingOptions(
        100, 8, 1e-3, 10, 0.05, 0.01, 1.0, 1L, 50, 10, 1.0, bce, dice, 0.5, 1.0);
  }

  @Test
  void aNegativeLossWeightIsRejectedWithWhatToFix() {
    assertThatThrownBy(() -> withMaskWeights(2.0, -0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loss weights must not be negative");
    assertThatThrownBy(() -> withMaskWeights(-1.0, 0.5))
        .isInstanceOf(IllegalArgumentException.class);
    // zero turns a term off
    assertThat(withMaskWeights(0.0, 2.0).diceLossWeight()).isEqualTo(2.0);
  }

  @Test
  void warmUpRisesLinearlyAndTheCosineEndsAtTheFloor() {
    TrainingOptions options = withMaskWeights(2.0, 0.5);
    assertThat(options.learningRateAt(5)).isEqualTo(5e-4);
    assertThat(options.learningRateAt(10)).isEqualTo(1e-3);
    assertThat(options.learningRateAt(100))
        .isCloseTo(5e-5, org.assertj.core.data.Offset.offset(1e-12));
  }
}
