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
    for (int i = pixels.nextSetBit(0); i >= 0; i = pixels.nextSetBit(i + 1)) {
      int x = i % width;
      int y = i / width;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    if (maxX < 0) {
      return new int[] {0, 0, 0, 0};
    }
    return new int[] {minX, minY, maxX - minX + 1, maxY - minY + 1};
  }
}
