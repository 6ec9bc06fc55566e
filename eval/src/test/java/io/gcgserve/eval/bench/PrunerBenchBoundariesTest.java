package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PrunerBenchBoundariesTest {

  private static int[] split(int width, int height, int column) {
    int[] labels = new int[width * height];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        labels[y * width + x] = x < column ? 0 : 1;
      }
    }
    return labels;
  }

  @Test
  void identicalLabelsRecallEveryBoundary() {
    int[] labels = split(20, 10, 7);
    assertThat(PrunerBenchBoundaries.recall(labels, labels, 20, 10, 0)).isEqualTo(1.0);
  }

  @Test
  void shiftedBoundaryCountsOnlyWithinTolerance() {
    int[] reference = split(20, 10, 7);
    int[] shifted = split(20, 10, 10);
    assertThat(PrunerBenchBoundaries.recall(reference, shifted, 20, 10, 2)).isEqualTo(0.0);
    assertThat(PrunerBenchBoundaries.recall(reference, shifted, 20, 10, 3)).isEqualTo(1.0);
  }

  @Test
  void missingBoundaryHasZeroRecall() {
    assertThat(PrunerBenchBoundaries.recall(split(20, 10, 7), new int[200], 20, 10, 5))
        .isCloseTo(0.0, within(1e-9));
  }

  @Test
  void scenesAreReproducible() {
    assertThat(PrunerBenchScenes.scene(64, 3).image().rgb())
        .isEqualTo(PrunerBenchScenes.scene(64, 3).image().rgb());
  }
}
