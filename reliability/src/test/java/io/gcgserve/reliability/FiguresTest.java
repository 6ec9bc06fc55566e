package io.gcgserve.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The arithmetic behind the result lines (harness/ tests the parsing). */
class FiguresTest {

  @Test
  void quantilesUseTheNearestRankAndSkipNaN() {
    List<Double> values = List.of(5.0, 1.0, Double.NaN, 3.0, 2.0, 4.0);
    assertThat(Stats.quantile(values, 0.5)).isEqualTo(3.0);
    assertThat(Stats.quantile(values, 0.99)).isEqualTo(5.0);
    assertThat(Stats.quantile(List.of(), 0.5)).isNaN();
  }

  @Test
  void theSlopeIsTheLeastSquaresOne() {
    assertThat(Stats.slope(new double[] {0, 1, 2, 3}, new double[] {1, 3, 5, 7})).isEqualTo(2.0);
    assertThat(Stats.slope(new double[] {1}, new double[] {1})).isNaN();
  }
}
