package io.gcgserve.model;

import java.util.BitSet;

/**
 * A binary segmentation mask, row-major, with its bounding box and confidence.
 *
 * @param width mask width in pixels
 * @param height mask height in pixels
 * @param pixels set bits are foreground, index {@code y * width + x}
 * @param score mean foreground probability of the mask, in [0, 1]
 */
public record BinaryMask(int width, int height, BitSet pixels, float score) {

  /** True when pixel (x, y) is foreground. */
  public boolean get(int x, int y) {
    return pixels.get(y * width + x);
  }

  /** Number of foreground pixels. */
  public int area() {
    return pixels.cardinality();
  }

  /**
   * Tight bounding box {@code [x, y, w, h]} of the foreground, COCO order; all zeros when empty.
   */
  public int[] bbox() {
    int minX = width, minY = height, maxX = -1, maxY = -1;
    for (int y = 0; y < height; y++) {
      int first = pixels.nextSetBit(y * width);
      if (first >= 0 && first < (y + 1) * width) {
        minX = Math.min(minX, first - y * width);
        maxX = Math.max(maxX, pixels.previousSetBit((y + 1) * width - 1) - y * width);
        minY = Math.min(minY, y);
        maxY = y;
      }
    }
    if (maxX < 0) {
      return new int[] {0, 0, 0, 0};
    }
    return new int[] {minX, minY, maxX - minX + 1, maxY - minY + 1};
  }
}
