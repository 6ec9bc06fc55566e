package io.gcgserve.pruners.testing;

import io.gcgserve.pruners.ImageRgb;
import java.util.Random;

/** Synthetic images with known structure for pruner tests. */
public final class TestImages {

  private TestImages() {}

  /** One flat colour. */
  public static ImageRgb flat(int width, int height, int rgb) {
    int[] pixels = new int[width * height];
    java.util.Arrays.fill(pixels, rgb);
    return new ImageRgb(width, height, pixels);
  }

  /**
   * A flat background with a square of high-variance noise at {@code (x0, y0)} of side {@code
   * side}: the "small detailed object" of the paper's motivation.
   */
  public static ImageRgb flatWithNoisySquare(
      int width, int height, int background, int x0, int y0, int side, long seed) {
    Random random = new Random(seed);
    int[] pixels = new int[width * height];
    java.util.Arrays.fill(pixels, background);
    for (int y = y0; y < y0 + side; y++) {
      for (int x = x0; x < x0 + side; x++) {
        int red = 150 + random.nextInt(106);
        int green = random.nextInt(100);
        int blue = random.nextInt(100);
        pixels[y * width + x] = (red << 16) | (green << 8) | blue;
      }
    }
    return new ImageRgb(width, height, pixels);
  }

  /** Uniform random pixels; every region has similar variance. */
  public static ImageRgb noise(int width, int height, long seed) {
    Random random = new Random(seed);
    int[] pixels = new int[width * height];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextInt(1 << 24);
    }
    return new ImageRgb(width, height, pixels);
  }

  /** Random scores in [0, 1). */
  public static float[] randomScores(int count, long seed) {
    Random random = new Random(seed);
    float[] scores = new float[count];
    for (int i = 0; i < count; i++) {
      scores[i] = random.nextFloat();
    }
    return scores;
  }
}
