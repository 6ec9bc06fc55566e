package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PoissonScheduleTest {

  @Test
  void sameSeedGivesTheSameSchedule() {
    long[] first = PoissonSchedule.arrivalOffsetsNanos(42, 3.5, 30);
    long[] second = PoissonSchedule.arrivalOffsetsNanos(42, 3.5, 30);
    assertThat(first).isNotEmpty().isEqualTo(second);
  }

  @Test
  void anotherSeedGivesAnotherSchedule() {
    assertThat(PoissonSchedule.arrivalOffsetsNanos(1, 3.5, 30))
        .isNotEqualTo(PoissonSchedule.arrivalOffsetsNanos(2, 3.5, 30));
  }

  @Test
  void arrivalsAscendWithinTheWindow() {
    long[] offsets = PoissonSchedule.arrivalOffsetsNanos(7, 20, 10);
    for (int i = 1; i < offsets.length; i++) {
      assertThat(offsets[i]).isGreaterThanOrEqualTo(offsets[i - 1]);
    }
    assertThat(offsets[0]).isPositive();
    assertThat(offsets[offsets.length - 1]).isLessThan(10_000_000_000L);
  }

  @Test
  void meanRateMatchesTheRequestedOne() {
    // 100 s at 50/s: 5000 expected arrivals, standard deviation about 71
    long[] offsets = PoissonSchedule.arrivalOffsetsNanos(2024, 50, 100);
    assertThat((double) offsets.length).isCloseTo(5000, within(400.0));
  }

  @Test
  void rejectsANonPositiveRateOrWindow() {
    assertThatThrownBy(() -> PoissonSchedule.arrivalOffsetsNanos(1, 0, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PoissonSchedule.arrivalOffsetsNanos(1, Double.NaN, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PoissonSchedule.arrivalOffsetsNanos(1, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
