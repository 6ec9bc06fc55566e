package io.gcgserve.eval.bench;

import io.gcgserve.pruners.ImageRgb;
import java.util.Random;

/**
 * Seeded synthetic scenes for the pruner benchmark: a smooth two-colour background with a few flat,
 * gradient and textured shapes of different sizes, plus the true object label of every pixel so
 * that boundary recall can also be measured against the real object edges.
 *
 * @param image the picture
 * @param objects object id per pixel (0 is the background)
 */
public record PrunerBenchScenes(ImageRgb image, int[] objects) {

  /** A scene of {@code side × side} pixels from {@code seed}. */
  public static PrunerBenchScenes scene(int side, long seed) {
    Random random = new Random(seed);
    int[] pixels = new int[side * side];
    int[] objects = new int[side * side];
    int top = random.nextInt(1 << 24);
    int bottom = random.nextInt(1 << 24);
    for (int y = 0; y < side; y++) {
      double t = y / (double) (side - 1);
      int rgb = mix(top, bottom, t);
      for (int x = 0; x < side; x++) {
        pixels[y * side + x] = rgb;
      }
    }
    int shapes = 3 + random.nextInt(4);
    for (int shape = 1; shape <= shapes; shape++) {
      int size = side / 10 + random.nextInt(side / 3);
      int centerX = random.nextInt(side);
      int centerY = random.nextInt(side);
      boolean round = random.nextBoolean();
      int kind = random.nextInt(3); // 0 flat, 1 gradient, 2 texture
      int colour = random.nextInt(1 << 24);
      int second = random.nextInt(1 << 24);
      for (int y = Math.max(0, centerY - size); y < Math.min(side, centerY + size); y++) {
        for (int x = Math.max(0, centerX - size); x < Math.min(side, centerX + size); x++) {
          int dx = x - centerX;
          int dy = y - centerY;
          boolean inside = round ? dx * dx + dy * dy < size * size : Math.abs(dy) < size * 2 / 3;
          if (!inside) {
            continue;
          }
          int rgb =
              switch (kind) {
                case 0 -> colour;
                case 1 -> mix(colour, second, (dx + size) / (2.0 * size));
                default ->
                    ((x / 3 + y / 3) % 2 == 0) ? colour : mix(colour, second, random.nextDouble());
              };
          pixels[y * side + x] = rgb;
          objects[y * side + x] = shape;
        }
      }
    }
    return new PrunerBenchScenes(new ImageRgb(side, side, pixels), objects);
  }

  private static int mix(int from, int to, double t) {
    int red = (int) Math.round(((from >> 16) & 0xFF) * (1 - t) + ((to >> 16) & 0xFF) * t);
    int green = (int) Math.round(((from >> 8) & 0xFF) * (1 - t) + ((to >> 8) & 0xFF) * t);
    int blue = (int) Math.round((from & 0xFF) * (1 - t) + (to & 0xFF) * t);
    return (red << 16) | (green << 8) | blue;
  }

  @Override
  public int[] objects() {
    return objects.clone();
  }
}
