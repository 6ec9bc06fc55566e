package io.gcgserve.model.image;

import io.gcgserve.pruners.ImageRgb;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Image files to and from {@link ImageRgb} for the tools. Reading goes through the server's {@link
 * ImageDecoder}, so a tool sees exactly the pixels the server would serve for the same bytes;
 * writing produces deterministic 8-bit RGB PNG bytes for equal images.
 */
public final class ImageFiles {

  /** Largest side a tool reads; far above any model input, small enough to refuse a bomb. */
  public static final int MAX_SIDE = 16_384;

  private static final ImageDecoder DECODER = new ImageDecoder(MAX_SIDE, MAX_SIDE);

  private ImageFiles() {}

  /**
   * Reads a PNG or JPEG file.
   *
   * @throws IOException when the file is missing or unreadable, or is not an image the server
   *     accepts (the message says why)
   */
  public static ImageRgb read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("image " + file + " does not exist");
    }
    byte[] bytes = Files.readAllBytes(file);
    try {
      return DECODER.inspectAndDecode(bytes);
    } catch (InvalidImageException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code image} as an 8-bit RGB PNG, creating parent folders. */
  public static void writePng(ImageRgb image, Path file) throws IOException {
    BufferedImage buffered =
        new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
    buffered.setRGB(0, 0, image.width(), image.height(), image.rgb(), 0, image.width());
    writePng(buffered, file);
  }

  /** Writes a buffered image as PNG, creating parent folders. */
  public static void writePng(BufferedImage image, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException("no PNG writer available");
    }
  }
}
