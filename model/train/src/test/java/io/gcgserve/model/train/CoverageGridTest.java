package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.BinaryMask;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class CoverageGridTest {

  private static BinaryMask rectangle(int size, int left, int top, int width, int height) {
    BitSet pixels = new BitSet(size * size);
    for (int y = top; y < top + height; y++) {
      for (int x = left; x < left + width; x++) {
        pixels.set(y * size + x);
      }
    }
    return new BinaryMask(size, size, pixels, 1f);
  }

  @Test
  void eachCellHoldsTheShareOfItsPixelsTheMaskCovers() {
    // an 8x8 mask on a 2x2 grid of 4x4 cells: the top-left cell full, the top-right half covered
    float[] out = new float[4];
    CoverageGrid.addCoverage(rectangle(8, 0, 0, 6, 4), 2, out, 0);
    assertThat(out).containsExactly(1f, 0.5f, 0f, 0f);
  }

  @Test
  void coverageAddsAtTheOffsetWithoutTouchingTheRest() {
    float[] out = {7f, 0f, 0f, 0f, 0f, 7f};
    CoverageGrid.addCoverage(rectangle(4, 2, 2, 2, 2), 2, out, 1);
    assertThat(out).containsExactly(7f, 0f, 0f, 0f, 1f, 7f);
  }
}
