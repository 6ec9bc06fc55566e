package io.gcgserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class BinaryMaskTest {

  /** The box found a row at a time is the box of every foreground pixel, zeros when empty. */
  @Property(tries = 300)
  void bboxIsTheTightBoxOfEveryForegroundPixel(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 70) int width,
      @ForAll @IntRange(min = 1, max = 70) int height) {
    Random random = new Random(seed);
    double density = random.nextInt(4) == 0 ? 0 : random.nextDouble() * random.nextDouble();
    BitSet pixels = new BitSet();
    int minX = width, minY = height, maxX = -1, maxY = -1;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        if (random.nextDouble() < density) {
          pixels.set(y * width + x);
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
          minY = Math.min(minY, y);
          maxY = Math.max(maxY, y);
        }
      }
    }
    int[] expected =
        maxX < 0 ? new int[4] : new int[] {minX, minY, maxX - minX + 1, maxY - minY + 1};
    assertThat(new BinaryMask(width, height, pixels, 1f).bbox()).containsExactly(expected);
  }
}
