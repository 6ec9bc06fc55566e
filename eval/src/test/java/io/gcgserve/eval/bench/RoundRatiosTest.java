package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RoundRatiosTest {

  @Test
  void oneRoundIsTheRatioAlone() {
    assertThat(RoundRatios.describe(List.of(2.4149))).isEqualTo("2.41x");
  }

  @Test
  void noRoundGivesNothing() {
    assertThat(RoundRatios.describe(List.of())).isNull();
  }

  @Test
  void anUndefinedRoundIsShownButLeftOutOfTheMedian() {
    // with the NaN counted as a value the median would move off 2.00
    assertThat(RoundRatios.describe(List.of(1.0, Double.NaN, 3.0)))
        .isEqualTo("2.00x [1.00, NaN, 3.00]");
  }
}
