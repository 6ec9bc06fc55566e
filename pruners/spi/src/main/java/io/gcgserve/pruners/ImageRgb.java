package io.gcgserve.pruners;

/**
 * An 8-bit RGB image, row-major, one packed {@code 0xRRGGBB} int per pixel. Engine-free so that
 * pruners, the data generator and the server share one image type.
 *
 * @param width pixels per row
 * @param height rows
 * @param rgb {@code width * height} packed pixels; not copied, treat as immutable
 */
public record ImageRgb(int width, int height, int[] rgb) {

  /** Checks the buffer size. */
  public ImageRgb {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("image must be non-empty, got " + width + "x" + height);
    }
    if (rgb.length != width * height) {
      throw new IllegalArgumentException(
          "expected "
              + (width * height)
              + " pixels for "
              + width
              + "x"
              + height
              + ", got "
              + rgb.length);
    }
  }

  /** Packed {@code 0xRRGGBB} at column {@code x}, row {@code y}. */
  public int at(int x, int y) {
    return rgb[y * width + x];
  }
}
