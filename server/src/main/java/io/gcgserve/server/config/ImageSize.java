package io.gcgserve.server.config;

import java.util.Locale;

/**
 * A width and height in pixels, written {@code WxH} on the command line, so the largest accepted
 * image is one setting with one flag rather than two that could be set apart.
 *
 * @param width pixels across
 * @param height pixels down
 */
public record ImageSize(int width, int height) {

  /**
   * Reads {@code WxH}, e.g. {@code 4096x4096}.
   *
   * @throws IllegalArgumentException when the text does not have that form
   */
  public static ImageSize parse(String text) {
    String[] parts = text.toLowerCase(Locale.ROOT).split("x", -1);
    if (parts.length == 2) {
      try {
        return new ImageSize(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
      } catch (NumberFormatException e) {
        // falls through to the one message that shows the expected form
      }
    }
    throw new IllegalArgumentException("must look like 4096x4096, got '" + text + "'");
  }

  /** Both sides at least one pixel. */
  public boolean isPositive() {
    return width >= 1 && height >= 1;
  }

  /** The {@code WxH} form. */
  @Override
  public String toString() {
    return width + "x" + height;
  }
}
