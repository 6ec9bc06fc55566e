package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressWindowTest {

  private static StepLosses losses(double total, double regionAccuracy) {
    return new StepLosses(total, 1, 2, 3, 4, 5, regionAccuracy, 6, 0.5, 9);
  }

  @Test
  void aLineAveragesTheStepsSinceTheLastLineAndEmptiesTheWindow() {
    ProgressWindow window = new ProgressWindow();
    window.add(losses(10, 0.25));
    window.add(losses(20, 0.75));
    assertThat(window.steps()).isEqualTo(2);
    String line = window.line(2, 10, 1.5, 2e-4, 0.4, 65, 3725);
    assertThat(line)
        .startsWith("step 2/10  loss 15.0000 (text 1.0000  bce 2.0000  dice 3.0000")
        .contains("region-acc 50.0%", "phrase-acc 50.0%", "|g| 1.50", "lr 2.00e-04")
        .contains("0.40 samples/s  elapsed 1m05s  eta 1h02m");
    assertThat(window.steps()).isZero();
    window.add(losses(4, 0));
    assertThat(window.line(3, 10, 1, 1e-4, 1, 0, 0)).contains("loss 4.0000");
  }

  @Test
  void durationsShowMinutesAndSecondsBelowAnHourAndHoursAndMinutesFromIt() {
    assertThat(ProgressWindow.duration(59.6)).isEqualTo("1m00s");
    assertThat(ProgressWindow.duration(3599.4)).isEqualTo("59m59s");
    assertThat(ProgressWindow.duration(3600)).isEqualTo("1h00m");
  }
}
