package io.gcgserve.eval.bench;

/**
 * Boundary recall between two label images of the same size: the share of the reference's boundary
 * pixels that have a boundary pixel of the candidate within a Chebyshev distance of {@code
 * tolerance} pixels. The usual superpixel quality figure (Achanta et al.), used here to show that
 * SLIC on a token-tied grid finds the same edges as SLIC at full resolution.
 */
public final class PrunerBenchBoundaries {

  private PrunerBenchBoundaries() {}

  /** Pixels whose label differs from the pixel to the right or below. */
  public static boolean[] boundaries(int[] labels, int width, int height) {
    boolean[] edge = new boolean[width * height];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int label = labels[y * width + x];
        edge[y * width + x] =
            (x + 1 < width && labels[y * width + x + 1] != label)
                || (y + 1 < height && labels[(y + 1) * width + x] != label);
      }
    }
    return edge;
  }

  /**
   * Recall of {@code reference}'s boundaries by {@code candidate}'s, in [0, 1]; 1 when the
   * reference has no boundary.
   */
  public static double recall(
      int[] reference, int[] candidate, int width, int height, int tolerance) {
    boolean[] referenceEdges = boundaries(reference, width, height);
    boolean[] near = dilate(boundaries(candidate, width, height), width, height, tolerance);
    long total = 0;
    long found = 0;
    for (int i = 0; i < referenceEdges.length; i++) {
      if (referenceEdges[i]) {
        total++;
        if (near[i]) {
          found++;
        }
      }
    }
    return total == 0 ? 1.0 : found / (double) total;
  }

  /** Square dilation by {@code radius}, separable. */
  static boolean[] dilate(boolean[] mask, int width, int height, int radius) {
    boolean[] horizontal = new boolean[mask.length];
    for (int y = 0; y < height; y++) {
      int last = Integer.MIN_VALUE / 2;
      for (int x = 0; x < width; x++) {
        if (mask[y * width + x]) {
          last = x;
        }
        horizontal[y * width + x] = x - last <= radius;
      }
      last = Integer.MAX_VALUE / 2;
      for (int x = width - 1; x >= 0; x--) {
        if (mask[y * width + x]) {
          last = x;
        }
        horizontal[y * width + x] |= last - x <= radius;
      }
    }
    boolean[] out = new boolean[mask.length];
    for (int x = 0; x < width; x++) {
      int last = Integer.MIN_VALUE / 2;
      for (int y = 0; y < height; y++) {
        if (horizontal[y * width + x]) {
          last = y;
        }
        out[y * width + x] = y - last <= radius;
      }
      last = Integer.MAX_VALUE / 2;
      for (int y = height - 1; y >= 0; y--) {
        if (horizontal[y * width + x]) {
          last = y;
        }
        out[y * width + x] |= last - y <= radius;
      }
    }
    return out;
  }
}
