package io.gcgserve.model.djl;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.BinaryMask;
import java.util.BitSet;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class MasksTest {

  private static final int SIZE = 6;

  /** A {@code SIZE x SIZE} grid of logit -1 with {@code value} at the listed (x, y) cells. */
  private static float[] grid(float value, int... xy) {
    float[] logits = new float[SIZE * SIZE];
    java.util.Arrays.fill(logits, -1f);
    for (int i = 0; i < xy.length; i += 2) {
      logits[xy[i + 1] * SIZE + xy[i]] = value;
    }
    return logits;
  }

  private static void set(float[] logits, float value, int... xy) {
    for (int i = 0; i < xy.length; i += 2) {
      logits[xy[i + 1] * SIZE + xy[i]] = value;
    }
  }

  @Test
  void keepsTheRegionOfGreatestProbabilityMassNotTheMostConfidentOrTheFirst() {
    // region A: 2 cells at logit 6 (mass 1.995); region B: 5 cells at logit 0 + (mass 2.5+)
    float[] logits = grid(6f, 0, 0, 1, 0);
    set(logits, 0.01f, 4, 3, 5, 3, 4, 4, 5, 4, 4, 5);
    float[] kept = Masks.keepOneRegion(logits, SIZE, new BitSet());
    assertThat(kept[0]).isEqualTo(-6f);
    assertThat(kept[1]).isEqualTo(-6f);
    assertThat(kept[3 * SIZE + 4]).isEqualTo(0.01f);
    assertThat(kept[5 * SIZE + 4]).isEqualTo(0.01f);
    assertThat(logits[0]).as("input untouched").isEqualTo(6f);

    // with three cells B's mass (1.5+) falls below A's, and A is kept
    float[] smaller = grid(6f, 0, 0, 1, 0);
    set(smaller, 0.01f, 4, 3, 5, 3, 4, 4);
    float[] keptA = Masks.keepOneRegion(smaller, SIZE, new BitSet());
    assertThat(keptA[0]).isEqualTo(6f);
    assertThat(keptA[3 * SIZE + 4]).isEqualTo(-0.01f);
  }

  @Test
  void aRegionAnEarlierPhraseClaimedCountsOnlyItsUnclaimedCells() {
    // A: 4 cells at logit 3 (mass 3.8), B: 3 cells at logit 1 (mass 2.2)
    float[] logits = grid(3f, 0, 0, 1, 0, 0, 1, 1, 1);
    set(logits, 1f, 4, 4, 5, 4, 4, 5);
    BitSet claimed = new BitSet();
    claimed.set(0);
    // A keeps 2.86 unclaimed, more than B's 2.19
    assertThat(Masks.keepOneRegion(logits, SIZE, claimed)[4 * SIZE + 4]).isEqualTo(-1f);
    claimed.set(1);
    // A keeps 1.91: B is kept, though A is the stronger mask as a whole
    float[] kept = Masks.keepOneRegion(logits, SIZE, claimed);
    assertThat(kept[4 * SIZE + 4]).isEqualTo(1f);
    assertThat(kept[0]).isEqualTo(-3f);
    // when every region is wholly claimed, the whole mass decides
    claimed.set(0, SIZE * SIZE);
    assertThat(Masks.keepOneRegion(logits, SIZE, claimed)[0]).isEqualTo(3f);
  }

  @Test
  void aSpeckBesideAClaimedObjectIsNotANewObject() {
    // on a 40 x 40 grid a new object needs an unclaimed mass of 0.0025 * 1600 = 4
    int size = 40;
    float[] logits = new float[size * size];
    java.util.Arrays.fill(logits, -1f);
    BitSet claimed = new BitSet();
    for (int y = 0; y < 10; y++) {
      for (int x = 0; x < 10; x++) {
        logits[y * size + x] = 3f; // an object an earlier phrase took
        claimed.set(y * size + x);
      }
    }
    logits[30 * size + 30] = 2f; // a speck of mass 1.76
    logits[30 * size + 31] = 2f;
    float[] kept = Masks.keepOneRegion(logits, size, claimed);
    assertThat(kept[0]).as("the duplicate stays").isEqualTo(3f);
    assertThat(kept[30 * size + 30]).isEqualTo(-2f);
    // five cells (mass 4.4): a new object, kept however large the claimed one is
    for (int x = 32; x < 35; x++) {
      logits[30 * size + x] = 2f;
    }
    float[] keptNew = Masks.keepOneRegion(logits, size, claimed);
    assertThat(keptNew[0]).isEqualTo(-3f);
    assertThat(keptNew[30 * size + 34]).isEqualTo(2f);
  }

  @Test
  void aSecondPhraseSpreadOverTheFirstPhrasesObjectAndAnotherKeepsTheOther() {
    Masks.OneRegionPerPhrase phrases = new Masks.OneRegionPerPhrase(SIZE);
    float[] first = grid(2f, 0, 0, 1, 0, 0, 1, 1, 1);
    assertThat(phrases.keep(first)).containsExactly(first);
    // the second mask is stronger on the first object than on its own
    float[] second = grid(3f, 0, 0, 1, 0, 0, 1, 1, 1);
    set(second, 1f, 4, 4, 5, 4);
    float[] kept = phrases.keep(second);
    assertThat(kept[0]).isEqualTo(-3f);
    assertThat(kept[4 * SIZE + 4]).isEqualTo(1f);
    // a third mask wholly on claimed cells keeps its strongest region rather than nothing
    float[] third = grid(1f, 4, 4);
    set(third, 2f, 0, 0);
    float[] keptThird = phrases.keep(third);
    assertThat(keptThird[0]).isEqualTo(2f);
    assertThat(keptThird[4 * SIZE + 4]).isEqualTo(-1f);
  }

  @Test
  void aPhraseAboutToBeWrittenLooksAtUntakenCellsAndClaimsNothing() {
    Masks.OneRegionPerPhrase phrases = new Masks.OneRegionPerPhrase(SIZE);
    phrases.keep(grid(2f, 0, 0, 1, 0, 0, 1, 1, 1));
    // mostly on the taken object, spilling onto the untaken cell (2, 1), and weakly on (4, 4)
    float[] next = grid(3f, 0, 0, 1, 0, 0, 1, 1, 1, 2, 1);
    set(next, 0.5f, 4, 4);
    float[] seen = phrases.peekUnclaimed(next);
    assertThat(seen[SIZE + 2]).isEqualTo(3f);
    assertThat(seen[0]).as("taken cells are out of sight").isNegative();
    assertThat(seen[4 * SIZE + 4]).isNegative();
    // nothing was claimed: keeping the same mask keeps its whole region, taken cells included
    float[] kept = phrases.keep(next);
    assertThat(kept[0]).isEqualTo(3f);
    assertThat(kept[SIZE + 2]).isEqualTo(3f);
    // with no untaken cell above 0 it looks where keep would
    float[] onTaken = grid(1f, 0, 0);
    assertThat(phrases.peekUnclaimed(onTaken)).containsExactly(phrases.keep(onTaken.clone()));
  }

  @Test
  void diagonalNeighboursAreOneRegionAndOneRegionIsLeftAsItIs() {
    float[] diagonal = grid(2f, 0, 0, 1, 1, 2, 2, 3, 3);
    assertThat(Masks.keepOneRegion(diagonal, SIZE, new BitSet())).containsExactly(diagonal);
    float[] empty = grid(2f);
    assertThat(Masks.keepOneRegion(empty, SIZE, new BitSet())).containsExactly(empty);
  }

  @Test
  void upsampledMaskLosesTheOtherObjectOnly() {
    float[] logits = grid(3f, 0, 0, 1, 0, 0, 1, 1, 1); // 2x2 block top left
    set(logits, 1f, 4, 4, 5, 4, 4, 5); // weaker L at bottom right
    BinaryMask both = Masks.upsample(logits, SIZE, 60, 60);
    BinaryMask one = Masks.upsample(Masks.keepOneRegion(logits, SIZE, new BitSet()), SIZE, 60, 60);
    assertThat(one.get(5, 5)).isTrue();
    assertThat(both.get(45, 45)).isTrue();
    assertThat(one.get(45, 45)).isFalse();
    BitSet topLeft = new BitSet();
    for (int y = 0; y < 30; y++) {
      for (int x = 0; x < 30; x++) {
        if (both.get(x, y)) {
          topLeft.set(y * 60 + x);
        }
      }
    }
    assertThat(one.pixels()).isEqualTo(topLeft);
  }

  /**
   * The documented exactness: the kept mask and the mask of the switched-off regions alone split
   * the original upsampled mask between them, whatever the logits and output size.
   */
  @Property(tries = 200)
  void keptAndDroppedRegionsPartitionTheUpsampledMask(
      @ForAll long seed,
      @ForAll @IntRange(min = 2, max = 12) int size,
      @ForAll @IntRange(min = 1, max = 50) int width,
      @ForAll @IntRange(min = 1, max = 50) int height) {
    Random random = new Random(seed);
    float[] logits = new float[size * size];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) random.nextGaussian() - 0.4f;
    }
    BitSet claimed = new BitSet();
    for (int i = 0; i < logits.length; i++) {
      if (random.nextInt(4) == 0) {
        claimed.set(i);
      }
    }
    float[] kept = Masks.keepOneRegion(logits, size, claimed);
    float[] dropped = logits.clone();
    for (int i = 0; i < logits.length; i++) {
      if (kept[i] == logits[i] && logits[i] > 0) {
        dropped[i] = -logits[i];
      }
    }
    BitSet original = Masks.upsample(logits, size, width, height).pixels();
    BitSet keptPixels = Masks.upsample(kept, size, width, height).pixels();
    BitSet droppedPixels = Masks.upsample(dropped, size, width, height).pixels();
    assertThat(keptPixels.intersects(droppedPixels)).isFalse();
    BitSet union = (BitSet) keptPixels.clone();
    union.or(droppedPixels);
    assertThat(union).isEqualTo(original);
    assertThat(Masks.keepOneRegion(kept, size, claimed)).containsExactly(kept);
  }

  /**
   * The upsampling computes only the pixels with a corner cell above 0; every pixel of any grid,
   * sparse or dense, with zeros, infinities and NaNs among its logits, must come out as blending
   * all of them does, and so must the score.
   */
  @Property(tries = 300)
  void upsamplingMatchesBlendingEveryPixel(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 16) int size,
      @ForAll @IntRange(min = 1, max = 70) int width,
      @ForAll @IntRange(min = 1, max = 70) int height) {
    Random random = new Random(seed);
    float[] logits = new float[size * size];
    float positive = random.nextFloat(); // from none to nearly every cell above 0
    float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    for (int i = 0; i < logits.length; i++) {
      logits[i] =
          random.nextInt(20) == 0
              ? special[random.nextInt(special.length)]
              : (random.nextFloat() < positive ? 1 : -1) * (float) Math.abs(random.nextGaussian());
    }
    BinaryMask mask = Masks.upsample(logits, size, width, height);
    BinaryMask every = blendEveryPixel(logits, size, width, height);
    assertThat(mask.pixels()).isEqualTo(every.pixels());
    assertThat(mask.score()).isEqualTo(every.score());
  }

  /** The upsampling as first written: every pixel blended and compared with 0. */
  private static BinaryMask blendEveryPixel(float[] logits, int size, int width, int height) {
    double scoreSum = 0;
    int scoreCount = 0;
    for (float logit : logits) {
      if (logit > 0) {
        scoreSum += 1.0 / (1.0 + Math.exp(-logit));
        scoreCount++;
      }
    }
    BitSet pixels = new BitSet(width * height);
    for (int y = 0; y < height; y++) {
      double sy = Math.min(Math.max(0, (y + 0.5) * ((double) size / height) - 0.5), size - 1);
      int y0 = (int) sy;
      int y1 = Math.min(y0 + 1, size - 1);
      float fy = (float) (sy - y0);
      for (int x = 0; x < width; x++) {
        double sx = Math.min(Math.max(0, (x + 0.5) * ((double) size / width) - 0.5), size - 1);
        int x0 = (int) sx;
        int x1 = Math.min(x0 + 1, size - 1);
        float fx = (float) (sx - x0);
        float top = logits[y0 * size + x0] * (1 - fx) + logits[y0 * size + x1] * fx;
        float bottom = logits[y1 * size + x0] * (1 - fx) + logits[y1 * size + x1] * fx;
        if (top * (1 - fy) + bottom * fy > 0) {
          pixels.set(y * width + x);
        }
      }
    }
    return new BinaryMask(
        width, height, pixels, scoreCount == 0 ? 0f : (float) (scoreSum / scoreCount));
  }
}
