package io.gcgserve.model.djl;

import io.gcgserve.model.BinaryMask;
import java.util.BitSet;

/** Turns low-resolution mask logits into a binary mask at the request image's size. */
final class Masks {

  private Masks() {}

  /**
   * Bilinearly upsamples {@code size x size} logits (covering the whole image, which the model
   * stretched to a square) to {@code width x height} and thresholds at probability 0.5. The score
   * is the mean foreground probability over the low-resolution cells above 0.5, 0 when none.
   */
  static BinaryMask upsample(float[] logits, int size, int width, int height) {
    double scoreSum = 0;
    int scoreCount = 0;
    for (float logit : logits) {
      if (logit > 0) {
        scoreSum += 1.0 / (1.0 + Math.exp(-logit));
        scoreCount++;
      }
    }
    BitSet pixels = new BitSet(width * height);
    double scaleX = (double) size / width;
    double scaleY = (double) size / height;
    int[] x0 = new int[width];
    int[] x1 = new int[width];
    float[] fx = new float[width];
    for (int x = 0; x < width; x++) {
      double sx = Math.min(Math.max(0, (x + 0.5) * scaleX - 0.5), size - 1);
      x0[x] = (int) sx;
      x1[x] = Math.min(x0[x] + 1, size - 1);
      fx[x] = (float) (sx - x0[x]);
    }
    for (int y = 0; y < height; y++) {
      double sy = Math.min(Math.max(0, (y + 0.5) * scaleY - 0.5), size - 1);
      int y0 = (int) sy;
      int y1 = Math.min(y0 + 1, size - 1);
      float fy = (float) (sy - y0);
      int row0 = y0 * size;
      int row1 = y1 * size;
      int base = y * width;
      for (int x = 0; x < width; x++) {
        float top = logits[row0 + x0[x]] * (1 - fx[x]) + logits[row0 + x1[x]] * fx[x];
        float bottom = logits[row1 + x0[x]] * (1 - fx[x]) + logits[row1 + x1[x]] * fx[x];
        if (top * (1 - fy) + bottom * fy > 0) {
          pixels.set(base + x);
        }
      }
    }
    float score = scoreCount == 0 ? 0f : (float) (scoreSum / scoreCount);
    return new BinaryMask(width, height, pixels, score);
  }
}
