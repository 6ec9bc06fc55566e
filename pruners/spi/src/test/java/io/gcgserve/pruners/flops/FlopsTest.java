package io.gcgserve.pruners.flops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FlopsTest {

  private static final int D = 4096;
  private static final int M = 11008;

  private static int[] fastVSchedule(int layersFull, int full, int kept, int layers) {
    int[] perLayer = new int[layers];
    Arrays.fill(perLayer, kept);
    Arrays.fill(perLayer, 0, layersFull, full);
    return perLayer;
  }

  @Test
  void layerFlopsFollowsEquationFive() {
    assertThat(Flops.layerFlops(2, 3, 5)).isEqualTo(4 * 2 * 9 + 2 * 4 * 3 + 2 * 2 * 3 * 5);
  }

  @Test
  void designCheckCountsFiftyTextTokensInN() {
    // DESIGN.md: d=4096, m=11008, T=32, K=3, 288 of 576 kept → 0.576 (FastV's 57%). Counting n as
    // visual tokens only gives 0.540; 0.576 needs 50 text tokens in every layer.
    double visualOnly = Flops.ratio(fastVSchedule(3, 576, 288, 32), 576, D, M);
    assertThat(visualOnly).isCloseTo(0.540, within(0.001));
    double withText = Flops.ratio(fastVSchedule(3, 626, 338, 32), 626, D, M);
    assertThat(withText).isCloseTo(0.576, within(0.001));
  }

  @Test
  void reproducesPaperTableFlopsWithKTwoAndAPromptOf35Tokens() {
    double[] expected = {0.55, 0.33, 0.20};
    int[] kept = {288, 144, 57};
    for (int i = 0; i < kept.length; i++) {
      double ratio = Flops.ratio(fastVSchedule(2, 576 + 35, kept[i] + 35, 32), 576 + 35, D, M);
      assertThat(ratio).isCloseTo(expected[i], within(0.005));
    }
  }

  @Test
  void unprunedScheduleCostsOne() {
    assertThat(Flops.ratio(fastVSchedule(32, 600, 600, 32), 600, D, M)).isEqualTo(1.0);
  }
}
