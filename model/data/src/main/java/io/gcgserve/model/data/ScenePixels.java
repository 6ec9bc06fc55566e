package io.gcgserve.model.data;

/** Shapes and colours of the synthetic scenes: point-in-shape tests, shading, value noise. */
final class ScenePixels {

  private ScenePixels() {}

  /** Share of its bounding square a shape covers, used to size objects by area. */
  static double fill(int shape) {
    return switch (shape) {
      case 0 -> 0.35; // star
      case 1 -> StrictMath.PI / 4; // circle
      case 2 -> 0.72; // square
      case 3 -> 0.5; // triangle
      case 4 -> 0.55; // heart
      case 5 -> 0.51; // cross
      case 6 -> 0.55; // ring
      default -> 0.5; // diamond
    };
  }

  /** Point-in-shape test in the object's frame: u, v in [-1, 1] over its bounding square. */
  static boolean insideShape(int shape, double u, double v) {
    return switch (shape) {
      case 0 -> insideStar(u, v);
      case 1 -> u * u + v * v <= 1;
      case 2 -> Math.abs(u) <= 0.85 && Math.abs(v) <= 0.85;
      case 3 -> v <= 0.85 && v >= -0.95 && Math.abs(u) <= (v + 0.95) / 1.8 * 0.95;
      case 4 -> {
        double hx = u * 1.25;
        double hy = -v * 1.25 + 0.25;
        double a = hx * hx + hy * hy - 1;
        yield a * a * a - hx * hx * hy * hy * hy <= 0;
      }
      case 5 ->
          (Math.abs(u) <= 0.3 && Math.abs(v) <= 0.95)
              || (Math.abs(v) <= 0.3 && Math.abs(u) <= 0.95);
      case 6 -> {
        double r = Math.sqrt(u * u + v * v);
        yield r <= 1 && r >= 0.55;
      }
      default -> Math.abs(u) + Math.abs(v) <= 1;
    };
  }

  private static boolean insideStar(double u, double v) {
    double r = Math.sqrt(u * u + v * v);
    if (r > 1) {
      return false;
    }
    double theta = StrictMath.atan2(u, -v);
    double sector = StrictMath.PI / 5;
    double local = Math.abs(((theta % (2 * sector)) + 2 * sector) % (2 * sector) - sector);
    // boundary radius from an outer point (1.0 at local 0) down to an inner vertex (0.45)
    double inner = 0.45;
    return r <= 1 - (1 - inner) * (local / sector);
  }

  static int shade(int rgb, double factor) {
    int r = clamp((int) (((rgb >> 16) & 0xff) * factor));
    int g = clamp((int) (((rgb >> 8) & 0xff) * factor));
    int b = clamp((int) ((rgb & 0xff) * factor));
    return (r << 16) | (g << 8) | b;
  }

  static int darken(int rgb) {
    return shade(rgb, 0.55);
  }

  private static int clamp(int value) {
    return Math.max(0, Math.min(255, value));
  }

  /** Deterministic value noise in [-1, 1] per pixel. */
  static double hashNoise(int x, int y, long seed) {
    long h = SceneGenerator.mix(seed, (long) x * 73856093L ^ (long) y * 19349663L);
    return ((h >>> 11) * 0x1.0p-53) * 2 - 1;
  }
}
