package io.gcgserve.eval.viz;

import io.gcgserve.pruners.ImageRgb;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Reading and writing images for the eval tools, as {@link ImageRgb}. */
public final class ImageFiles {

  private ImageFiles() {}

  /** Reads a PNG or JPEG file. */
  public static ImageRgb read(Path file) {
    try {
      BufferedImage image = ImageIO.read(file.toFile());
      if (image == null) {
        throw new IllegalArgumentException(file + " is not an image ImageIO can read");
      }
      int[] pixels =
          image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] &= 0xFFFFFF;
      }
      return new ImageRgb(image.getWidth(), image.getHeight(), pixels);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Writes a PNG, creating parent folders. */
  public static void writePng(BufferedImage image, Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      ImageIO.write(image, "png", file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * Resizes by area averaging (bilinear-free, so no ringing); used only where no model resizes the
   * image for us.
   */
  public static ImageRgb resize(ImageRgb image, int width, int height) {
    int[] out = new int[width * height];
    for (int y = 0; y < height; y++) {
      int y0 = (int) ((long) y * image.height() / height);
      int y1 = Math.max(y0 + 1, (int) ((long) (y + 1) * image.height() / height));
      for (int x = 0; x < width; x++) {
        int x0 = (int) ((long) x * image.width() / width);
        int x1 = Math.max(x0 + 1, (int) ((long) (x + 1) * image.width() / width));
        long red = 0;
        long green = 0;
        long blue = 0;
        for (int sourceY = y0; sourceY < y1; sourceY++) {
          for (int sourceX = x0; sourceX < x1; sourceX++) {
            int rgb = image.at(sourceX, sourceY);
            red += (rgb >> 16) & 0xFF;
            green += (rgb >> 8) & 0xFF;
            blue += rgb & 0xFF;
          }
        }
        long count = (long) (y1 - y0) * (x1 - x0);
        out[y * width + x] = (int) ((red / count) << 16 | (green / count) << 8 | (blue / count));
      }
    }
    return new ImageRgb(width, height, out);
  }
}
