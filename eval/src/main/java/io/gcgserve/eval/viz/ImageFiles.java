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
}
