package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class PercentilesTest {

  @Test
  void interpolatesBetweenNearestRanksLikeNumpy() {
    double[] values = {4, 1, 3, 2};
    // numpy.percentile([1, 2, 3, 4], [50, 90]) == [2.5, 3.7]
    assertThat(Percentiles.percentile(values, 50)).isCloseTo(2.5, within(1e-12));
    assertThat(Percentiles.percentile(values, 90)).isCloseTo(3.7, within(1e-12));
    assertThat(Percentiles.percentile(values, 0)).isEqualTo(1);
    assertThat(Percentiles.percentile(values, 100)).isEqualTo(4);
  }

  @Test
  void leavesTheInputUnsorted() {
    double[] values = {3, 1, 2};
    Percentiles.percentile(values, 50);
    assertThat(values).containsExactly(3, 1, 2);
  }

  @Test
  void singleValueIsEveryPercentileAndNoValueIsNaN() {
    assertThat(Percentiles.percentile(new double[] {7}, 90)).isEqualTo(7);
    assertThat(Percentiles.percentile(List.of(), 50)).isNaN();
  }

  @Test
  void rejectsPercentOutsideZeroToHundred() {
    assertThatThrownBy(() -> Percentiles.percentile(new double[] {1}, 101))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Percentiles.percentile(new double[] {1}, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void slopeOfALineIsItsGradient() {
    double[] x = {0, 50, 100, 150};
    double[] y = {10, 12.5, 15, 17.5};
    assertThat(Percentiles.slope(x, y)).isCloseTo(0.05, within(1e-12));
    assertThat(Percentiles.slope(new double[] {3, 3}, new double[] {1, 2})).isNaN();
  }

  @Test
  void ratioToZeroIsNaN() {
    assertThat(Percentiles.ratio(3, 2)).isEqualTo(1.5);
    assertThat(Percentiles.ratio(3, 0)).isNaN();
    assertThat(Percentiles.ratio(3, Double.NaN)).isNaN();
  }
}
