package io.gcgserve.model.djl;

import io.gcgserve.model.BinaryMask;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/** Turns low-resolution mask logits into a binary mask at the request image's size. */
final class Masks {

  private Masks() {}

  /**
   * One caption's single-region masks: each phrase keeps one region of its mask ({@link
   * #keepOneRegion}), chosen against the cells the caption's earlier phrases claimed, and then
   * claims that region's cells.
   */
  static final class OneRegionPerPhrase {
    private final int size;
    private final BitSet claimed = new BitSet();

    OneRegionPerPhrase(int size) {
      this.size = size;
    }

    /**
     * The region a phrase about to be written is looking at, without claiming it: {@link
     * #keepOneRegion} over the cells no earlier phrase took, or over all cells when none of the
     * untaken ones is above 0.
     */
    float[] peekUnclaimed(float[] logits) {
      float[] untaken = logits.clone();
      boolean any = false;
      for (int cell = 0; cell < untaken.length; cell++) {
        if (claimed.get(cell)) {
          untaken[cell] = Math.min(untaken[cell], -Math.abs(untaken[cell]) - 1f);
        }
        any |= untaken[cell] > 0;
      }
      return keepOneRegion(any ? untaken : logits, size, claimed);
    }

    /** The next phrase's logits with one region kept; its cells are claimed from now on. */
    float[] keep(float[] logits) {
      float[] kept = keepOneRegion(logits, size, claimed);
      for (int cell = 0; cell < kept.length; cell++) {
        if (kept[cell] > 0) {
          claimed.set(cell);
        }
      }
      return kept;
    }
  }

  /**
   * The least probability mass, as a share of the grid's cells, that a region must hold on
   * unclaimed cells to count as a new object: a quarter of the smallest object of the synthetic
   * training scenes (1% of the image). Less is the fringe of an object an earlier phrase took.
   */
  static final double NEW_OBJECT_MIN_SHARE = 0.0025;

  /**
   * The logits with every foreground region but one switched off. The cells above 0 are split into
   * 8-connected regions, each weighed by its probability mass (sum of its cells' sigmoids). A
   * region whose mass on cells no earlier phrase claimed is at least {@link #NEW_OBJECT_MIN_SHARE}
   * of the grid is a candidate new object; the candidate of greatest unclaimed mass is kept, or,
   * without candidates, the strongest region (the phrase then names an object already grounded).
   * The other regions' logits are negated. A model whose phrases each name one object uses this
   * (see {@link GcgConfig#singleRegionMasks}): when a mask spreads over two objects, it keeps the
   * one the caption has not grounded yet, and it never trades an object for a speck beside it.
   *
   * <p>Regions are 8-connected, so no two of them meet in one 2 × 2 block of cells; every block
   * that bilinear upsampling blends therefore holds cells of at most one region, and {@link
   * #upsample} of the result is exactly the kept region's part of the upsampled original.
   *
   * @param claimed the cells, row-major over the {@code size x size} grid, that earlier phrases'
   *     masks cover
   * @return a new array; {@code logits} is not changed
   */
  static float[] keepOneRegion(float[] logits, int size, BitSet claimed) {
    int[] region = new int[logits.length];
    int[] stack = new int[logits.length];
    List<double[]> masses = new ArrayList<>(); // {unclaimed mass, whole mass} per region
    for (int start = 0; start < logits.length; start++) {
      if (logits[start] <= 0 || region[start] != 0) {
        continue;
      }
      int label = masses.size() + 1;
      double unclaimed = 0;
      double whole = 0;
      int top = 0;
      stack[top++] = start;
      region[start] = label;
      while (top > 0) {
        int cell = stack[--top];
        double probability = 1.0 / (1.0 + Math.exp(-logits[cell]));
        whole += probability;
        if (!claimed.get(cell)) {
          unclaimed += probability;
        }
        int y = cell / size;
        int x = cell % size;
        for (int dy = -1; dy <= 1; dy++) {
          for (int dx = -1; dx <= 1; dx++) {
            int ny = y + dy;
            int nx = x + dx;
            if (ny < 0 || ny >= size || nx < 0 || nx >= size) {
              continue;
            }
            int next = ny * size + nx;
            if (logits[next] > 0 && region[next] == 0) {
              region[next] = label;
              stack[top++] = next;
            }
          }
        }
      }
      masses.add(new double[] {unclaimed, whole});
    }
    float[] result = logits.clone();
    if (masses.size() <= 1) {
      return result;
    }
    int strongest = 1;
    for (int label = 2; label <= masses.size(); label++) {
      if (masses.get(label - 1)[1] > masses.get(strongest - 1)[1]) {
        strongest = label;
      }
    }
    double newObject = NEW_OBJECT_MIN_SHARE * size * size;
    int kept = strongest;
    double keptUnclaimed = 0;
    for (int label = 1; label <= masses.size(); label++) {
      double unclaimed = masses.get(label - 1)[0];
      if (unclaimed > 0 && unclaimed >= newObject && unclaimed > keptUnclaimed) {
        kept = label;
        keptUnclaimed = unclaimed;
      }
    }
    for (int cell = 0; cell < result.length; cell++) {
      if (region[cell] != 0 && region[cell] != kept) {
        result[cell] = -result[cell];
      }
    }
    return result;
  }

  /**
   * Bilinearly upsamples {@code size x size} logits (covering the whole image, which the model
   * stretched to a square) to {@code width x height} and thresholds at probability 0.5. The score
   * is the mean foreground probability over the low-resolution cells above 0.5, 0 when none.
   */
  static BinaryMask upsample(float[] logits, int size, int width, int height) {
    double scoreSum = 0;
    int scoreCount = 0;
    // the cells above 0 span columns [left, right] and rows [top, bottom] of the grid
    int left = size;
    int right = -1;
    int top = size;
    int bottom = -1;
    for (int cell = 0; cell < logits.length; cell++) {
      float logit = logits[cell];
      if (logit > 0) {
        scoreSum += 1.0 / (1.0 + Math.exp(-logit));
        scoreCount++;
        left = Math.min(left, cell % size);
        right = Math.max(right, cell % size);
        top = Math.min(top, cell / size);
        bottom = Math.max(bottom, cell / size);
      }
    }
    float score = scoreCount == 0 ? 0f : (float) (scoreSum / scoreCount);
    long[] words = new long[(int) (((long) width * height + 63) / 64)];
    if (scoreCount > 0) {
      fillAbove(logits, size, width, height, new int[] {left, right, top, bottom}, words);
    }
    return new BinaryMask(width, height, BitSet.valueOf(words), score);
  }

  /**
   * Sets the bits of the pixels whose interpolated logit is above 0. A pixel blends at most four
   * cells with weights in [0, 1]; when none of them is above 0 neither is the blend, so only the
   * pixels with a corner inside {@code span} ({left, right, top, bottom} in cells) are computed.
   */
  private static void fillAbove(
      float[] logits, int size, int width, int height, int[] span, long[] words) {
    double scaleX = (double) size / width;
    double scaleY = (double) size / height;
    int[] x0 = new int[width];
    int[] x1 = new int[width];
    float[] fx = new float[width];
    int from = width;
    int to = 0;
    for (int x = 0; x < width; x++) {
      double sx = Math.min(Math.max(0, (x + 0.5) * scaleX - 0.5), size - 1);
      x0[x] = (int) sx;
      x1[x] = Math.min(x0[x] + 1, size - 1);
      fx[x] = (float) (sx - x0[x]);
      if (x1[x] >= span[0] && x0[x] <= span[1]) {
        from = Math.min(from, x);
        to = x + 1;
      }
    }
    for (int y = 0; y < height; y++) {
      double sy = Math.min(Math.max(0, (y + 0.5) * scaleY - 0.5), size - 1);
      int y0 = (int) sy;
      int y1 = Math.min(y0 + 1, size - 1);
      if (y1 < span[2] || y0 > span[3]) {
        continue;
      }
      float fy = (float) (sy - y0);
      int row0 = y0 * size;
      int row1 = y1 * size;
      long base = (long) y * width;
      for (int x = from; x < to; x++) {
        float top = logits[row0 + x0[x]] * (1 - fx[x]) + logits[row0 + x1[x]] * fx[x];
        float bottom = logits[row1 + x0[x]] * (1 - fx[x]) + logits[row1 + x1[x]] * fx[x];
        if (top * (1 - fy) + bottom * fy > 0) {
          long bit = base + x;
          words[(int) (bit >>> 6)] |= 1L << bit;
        }
      }
    }
  }
}
