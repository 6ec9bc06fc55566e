package io.gcgserve.model.data;

import io.gcgserve.pruners.ImageRgb;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** PNG files to and from {@link ImageRgb}, with ImageIO (deterministic bytes for equal images). */
public final class Pngs {

  private Pngs() {}

  /** Writes {@code image} as an 8-bit RGB PNG. */
  public static void write(ImageRgb image, Path file) throws IOException {
    BufferedImage buffered =
        new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
    buffered.setRGB(0, 0, image.width(), image.height(), image.rgb(), 0, image.width());
    write(buffered, file);
  }

  /** Writes a buffered image as PNG. */
  public static void write(BufferedImage image, Path file) throws IOException {
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException("no PNG writer available");
    }
  }

  /**
   * Reads a PNG or JPEG into packed RGB (alpha dropped).
   *
   * @throws IOException when the file is missing or not a readable image
   */
  public static ImageRgb read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("image " + file + " does not exist");
    }
    BufferedImage buffered = ImageIO.read(file.toFile());
    if (buffered == null) {
      throw new IOException(file + " is not a readable image");
    }
    int width = buffered.getWidth();
    int height = buffered.getHeight();
    int[] rgb = buffered.getRGB(0, 0, width, height, null, 0, width);
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] &= 0xffffff;
    }
    return new ImageRgb(width, height, rgb);
  }
}
