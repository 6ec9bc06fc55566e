package io.gcgserve.eval.ab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BootstrapTest {

  @Test
  void percentileOfCountsEqualsPercentileOfTheExpandedSample() {
    double[] sorted = {1, 2, 3, 4};
    int[] counts = {0, 2, 1, 3}; // the resample 2, 2, 3, 4, 4, 4
    // numpy.percentile([2, 2, 3, 4, 4, 4], [50, 90]) == [3.5, 4.0]; [10] == 2.0
    assertThat(Bootstrap.percentile(sorted, counts, 50)).isCloseTo(3.5, within(1e-12));
    assertThat(Bootstrap.percentile(sorted, counts, 90)).isCloseTo(4.0, within(1e-12));
    assertThat(Bootstrap.percentile(sorted, counts, 10)).isCloseTo(2.0, within(1e-12));
    // numpy.percentile([1, 2, 3, 4], 90) == 3.7
    assertThat(Bootstrap.percentile(sorted, Bootstrap.identity(4), 90))
        .isCloseTo(3.7, within(1e-12));
    assertThat(Bootstrap.mean(sorted, counts)).isCloseTo(19.0 / 6, within(1e-12));
  }

  @Test
  void replicatesAreDeterministicPerSeedAndStream() {
    double[] values = {5, 1, 9, 3, 7, 2, 8};
    Arrays.sort(values);
    Bootstrap.Statistic[] median = {counts -> Bootstrap.percentile(values, counts, 50)};
    double[] first = Bootstrap.replicates(values.length, median, 200, 1, "a")[0];
    double[] again = Bootstrap.replicates(values.length, median, 200, 1, "a")[0];
    double[] otherSeed = Bootstrap.replicates(values.length, median, 200, 2, "a")[0];
    assertThat(again).containsExactly(first);
    assertThat(otherSeed).isNotEqualTo(first);
  }

  @Test
  void intervalIsTheCentralNinetyFivePercent() {
    double[] replicates = new double[1001];
    for (int i = 0; i < replicates.length; i++) {
      replicates[i] = 1000 - i; // 0..1000 in reverse
    }
    double[] interval = Bootstrap.interval(replicates);
    assertThat(interval[0]).isCloseTo(25, within(1e-9));
    assertThat(interval[1]).isCloseTo(975, within(1e-9));
  }
}
