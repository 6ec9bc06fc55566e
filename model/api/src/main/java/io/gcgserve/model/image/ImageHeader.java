package io.gcgserve.model.image;

/**
 * What an image's header declares, read before any pixel is decoded.
 *
 * @param format the container format
 * @param width declared width in pixels
 * @param height declared height in pixels
 * @param description short human description of the pixel layout, e.g. {@code 8-bit palette}
 */
public record ImageHeader(ImageFormat format, int width, int height, String description) {

  /** The formats the server decodes. */
  public enum ImageFormat {
    PNG,
    JPEG
  }
}
