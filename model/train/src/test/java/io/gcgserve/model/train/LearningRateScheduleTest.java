package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

  @Test
  void theWarmUpRisesLinearlyFromZeroToThePeak() {
    LearningRateSchedule schedule = new LearningRateSchedule(1e-3, 100, 3000, 0.05);
    assertThat(schedule.at(1)).isEqualTo(1e-5);
    assertThat(schedule.at(6)).isCloseTo(6e-5, Offset.offset(1e-18));
    assertThat(schedule.at(50)).isEqualTo(5e-4);
    assertThat(schedule.at(100)).isEqualTo(1e-3);
  }

  @Test
  void theCosineFallsMonotonicallyToTheFloorAndStaysThere() {
    LearningRateSchedule schedule = new LearningRateSchedule(1e-3, 100, 3000, 0.05);
    double previous = schedule.at(100);
    for (int step = 101; step <= 3000; step++) {
      assertThat(schedule.at(step)).isLessThan(previous);
      previous = schedule.at(step);
    }
    // halfway through the decay the cosine is at its midpoint
    assertThat(schedule.at(1550)).isCloseTo(1e-3 * (0.05 + 0.95 * 0.5), Offset.offset(1e-12));
    assertThat(schedule.at(3000)).isCloseTo(5e-5, Offset.offset(1e-12));
    assertThat(schedule.at(4000)).isCloseTo(5e-5, Offset.offset(1e-12));
  }

  @Test
  void withoutWarmUpTheFirstStepIsNearThePeak() {
    LearningRateSchedule schedule = new LearningRateSchedule(2e-3, 0, 10, 0.1);
    assertThat(schedule.at(1)).isLessThan(2e-3).isGreaterThan(1.9e-3);
  }

  @Test
  void trainingOptionsDescribeTheSameSchedule() {
    TrainingOptions options =
        new TrainingOptions(300, 8, 1e-3, 30, 0.05, 0.01, 1.0, 1L, 50, 10, 1.0, 2.0, 2.0, 0.5, 1.0);
    for (int step = 1; step <= 300; step += 7) {
      assertThat(options.learningRateAt(step)).isEqualTo(options.schedule().at(step));
    }
    assertThat(options.schedule()).isEqualTo(new LearningRateSchedule(1e-3, 30, 300, 0.05));
  }
}
