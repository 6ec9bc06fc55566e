package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.pruners.ImageRgb;

/** Image resampling and conversion to the network's pixel tensors. */
public final class Images {

  private Images() {}

  /**
   * Resizes with bilinear interpolation (pixel centres aligned), stretching to the target aspect.
   * When shrinking by more than 2x, the source is first box-averaged so that thin stripes and dots
   * are not aliased away.
   */
  public static ImageRgb resize(ImageRgb source, int width, int height) {
    if (source.width() == width && source.height() == height) {
      return source;
    }
    ImageRgb image = source;
    int factor = Math.min(image.width() / width, image.height() / height);
    if (factor >= 2) {
      image = boxDownsample(image, factor);
    }
    int[] out = new int[width * height];
    double scaleX = (double) image.width() / width;
    double scaleY = (double) image.height() / height;
    for (int y = 0; y < height; y++) {
      double sy = Math.max(0, (y + 0.5) * scaleY - 0.5);
      int y0 = Math.min((int) sy, image.height() - 1);
      int y1 = Math.min(y0 + 1, image.height() - 1);
      double fy = sy - y0;
      for (int x = 0; x < width; x++) {
        double sx = Math.max(0, (x + 0.5) * scaleX - 0.5);
        int x0 = Math.min((int) sx, image.width() - 1);
        int x1 = Math.min(x0 + 1, image.width() - 1);
        double fx = sx - x0;
        int rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
          double top =
              ((image.at(x0, y0) >> shift) & 0xff) * (1 - fx)
                  + ((image.at(x1, y0) >> shift) & 0xff) * fx;
          double bottom =
              ((image.at(x0, y1) >> shift) & 0xff) * (1 - fx)
                  + ((image.at(x1, y1) >> shift) & 0xff) * fx;
          int channel = (int) Math.round(top * (1 - fy) + bottom * fy);
          rgb |= Math.min(255, Math.max(0, channel)) << shift;
        }
        out[y * width + x] = rgb;
      }
    }
    return new ImageRgb(width, height, out);
  }

  private static ImageRgb boxDownsample(ImageRgb image, int factor) {
    int width = image.width() / factor;
    int height = image.height() / factor;
    int[] out = new int[width * height];
    int area = factor * factor;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int r = 0;
        int g = 0;
        int b = 0;
        for (int dy = 0; dy < factor; dy++) {
          for (int dx = 0; dx < factor; dx++) {
            int rgb = image.at(x * factor + dx, y * factor + dy);
            r += (rgb >> 16) & 0xff;
            g += (rgb >> 8) & 0xff;
            b += rgb & 0xff;
          }
        }
        out[y * width + x] = ((r / area) << 16) | ((g / area) << 8) | (b / area);
      }
    }
    return new ImageRgb(width, height, out);
  }

  /** Pixels as a {@code (1, 3, H, W)} float tensor in [-1, 1]. */
  public static NDArray toTensor(NDManager manager, ImageRgb image) {
    return toTensor(manager, new ImageRgb[] {image});
  }

  /** A batch of same-size images as a {@code (B, 3, H, W)} float tensor in [-1, 1]. */
  public static NDArray toTensor(NDManager manager, ImageRgb[] images) {
    int width = images[0].width();
    int height = images[0].height();
    int plane = width * height;
    float[] values = new float[images.length * 3 * plane];
    for (int b = 0; b < images.length; b++) {
      int[] rgb = images[b].rgb();
      int base = b * 3 * plane;
      for (int i = 0; i < plane; i++) {
        values[base + i] = ((rgb[i] >> 16) & 0xff) / 127.5f - 1f;
        values[base + plane + i] = ((rgb[i] >> 8) & 0xff) / 127.5f - 1f;
        values[base + 2 * plane + i] = (rgb[i] & 0xff) / 127.5f - 1f;
      }
    }
    return manager.create(values, new Shape(images.length, 3, height, width));
  }
}
