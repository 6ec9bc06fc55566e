package io.gcgserve.model.mask;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.BinaryMask;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class CocoRleTest {

  @Test
  void runsStartWithBackgroundAndEndWithTheLastRun() {
    // 3 x 2 (height 2): column-major order is (0,0) (0,1) (1,0) (1,1) (2,0) (2,1)
    BitSet pixels = new BitSet();
    pixels.set(0); // (x 0, y 0)
    pixels.set(4); // (x 1, y 1)
    pixels.set(5); // (x 2, y 1)
    assertThat(CocoRle.encode(new BinaryMask(3, 2, pixels, 1f)).counts())
        .containsExactly(0, 1, 2, 1, 1, 1);
    assertThat(CocoRle.encode(new BinaryMask(3, 2, new BitSet(), 0f)).counts()).containsExactly(6);
    BitSet all = new BitSet();
    all.set(0, 6);
    assertThat(CocoRle.encode(new BinaryMask(3, 2, all, 1f)).counts()).containsExactly(0, 6);
  }

  /**
   * The encoder walks only the foreground's bounding box instead of every pixel; for any mask, from
   * empty to full, its runs must be those of the per-pixel walk, and decoding them must give the
   * mask back.
   */
  @Property(tries = 400)
  void encodesAsThePerPixelWalkAndDecodesBack(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 60) int width,
      @ForAll @IntRange(min = 1, max = 60) int height) {
    Random random = new Random(seed);
    BitSet pixels = new BitSet();
    double density = random.nextDouble();
    boolean blobs = random.nextBoolean();
    int x0 = random.nextInt(width);
    int y0 = random.nextInt(height);
    int x1 = x0 + random.nextInt(width - x0);
    int y1 = y0 + random.nextInt(height - y0);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        boolean inside = x >= x0 && x <= x1 && y >= y0 && y <= y1;
        if (blobs ? inside && random.nextDouble() < 0.95 : random.nextDouble() < density) {
          pixels.set(y * width + x);
        }
      }
    }
    BinaryMask mask = new BinaryMask(width, height, pixels, 0.5f);
    CocoRle rle = CocoRle.encode(mask);
    assertThat(rle.counts()).containsExactly(walk(mask));
    assertThat(rle.decode(0.5f).pixels()).isEqualTo(pixels);
    assertThat(CocoRle.fromCompressedString(height, width, rle.toCompressedString()).counts())
        .containsExactly(rle.counts());
  }

  /** The runs of a column-major walk over every pixel, starting with a background run. */
  private static long[] walk(BinaryMask mask) {
    long[] runs = new long[mask.width() * mask.height() + 1];
    int count = 0;
    boolean current = false;
    long run = 0;
    for (int x = 0; x < mask.width(); x++) {
      for (int y = 0; y < mask.height(); y++) {
        if (mask.get(x, y) != current) {
          runs[count++] = run;
          run = 0;
          current = !current;
        }
        run++;
      }
    }
    runs[count++] = run;
    return Arrays.copyOf(runs, count);
  }
}
