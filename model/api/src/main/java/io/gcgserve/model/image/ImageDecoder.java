package io.gcgserve.model.image;

import io.gcgserve.pruners.ImageRgb;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.jspecify.annotations.Nullable;

/**
 * Validates and decodes request images: PNG and JPEG only (by magic bytes), declared dimensions
 * checked from the header before decoding so a tiny file cannot claim a huge canvas, and every
 * supported pixel layout converted to 8-bit RGB.
 *
 * <p>Samples are read from the raster rather than through {@code getRGB} for gray and RGB images,
 * so an 8-bit gray value {@code v} becomes exactly {@code (v, v, v)} instead of passing through
 * Java2D's linear-gray colour conversion. Alpha is dropped, not composited. Decoder exceptions are
 * logged nowhere and never shown: clients get a fixed message that names the format.
 */
public final class ImageDecoder {

  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private final int maxWidth;
  private final int maxHeight;

  /** Creates a decoder that accepts images up to {@code maxWidth x maxHeight}. */
  public ImageDecoder(int maxWidth, int maxHeight) {
    this.maxWidth = maxWidth;
    this.maxHeight = maxHeight;
  }

  /**
   * Reads the format and declared size without decoding pixels, and checks them against the limits.
   *
   * @throws InvalidImageException for empty, unrecognised, unsupported, truncated-header or
   *     oversized images
   */
  public ImageHeader inspect(byte[] bytes) {
    if (bytes.length == 0) {
      throw new InvalidImageException("image is empty; send PNG or JPEG bytes");
    }
    ImageHeader header;
    if (startsWith(bytes, PNG_MAGIC)) {
      header = inspectPng(bytes);
    } else if (bytes.length >= 3
        && (bytes[0] & 0xff) == 0xff
        && (bytes[1] & 0xff) == 0xd8
        && (bytes[2] & 0xff) == 0xff) {
      header = inspectJpeg(bytes);
    } else {
      String other = otherFormat(bytes);
      throw new InvalidImageException(
          other == null
              ? "image is neither PNG nor JPEG (unrecognised leading bytes); send PNG or JPEG"
              : "image format " + other + " is not supported; send PNG or JPEG");
    }
    if (header.width() > maxWidth || header.height() > maxHeight) {
      throw new InvalidImageException(
          "image is "
              + Integer.toUnsignedString(header.width())
              + "x"
              + Integer.toUnsignedString(header.height())
              + " pixels; the limit is "
              + maxWidth
              + "x"
              + maxHeight
              + " (--max-image-size)");
    }
    return header;
  }

  /**
   * Decodes an image already accepted by {@link #inspect} into 8-bit RGB at its original size.
   *
   * @throws InvalidImageException when the pixel data is corrupt or truncated
   */
  public ImageRgb decode(byte[] bytes, ImageHeader header) {
    String formatName = header.format() == ImageHeader.ImageFormat.PNG ? "png" : "jpeg";
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(formatName);
    if (!readers.hasNext()) {
      throw new IllegalStateException("no ImageIO reader for " + formatName);
    }
    ImageReader reader = readers.next();
    BufferedImage image;
    try (ImageInputStream input =
        new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      reader.setInput(input, true, true);
      if (reader.getWidth(0) != header.width() || reader.getHeight(0) != header.height()) {
        throw corrupt(header);
      }
      image = reader.read(0);
    } catch (IOException | RuntimeException e) {
      // the decoder's text can carry internals; the client gets a fixed message
      throw corrupt(header);
    } finally {
      reader.dispose();
    }
    if (image == null) {
      throw corrupt(header);
    }
    return toRgb(image);
  }

  /** Inspects and decodes in one step. */
  public ImageRgb inspectAndDecode(byte[] bytes) {
    return decode(bytes, inspect(bytes));
  }

  private static InvalidImageException corrupt(ImageHeader header) {
    return new InvalidImageException(
        "image could not be decoded: the "
            + header.format()
            + " data is corrupt or truncated ("
            + header.width()
            + "x"
            + header.height()
            + ", "
            + header.description()
            + ")");
  }

  private static ImageHeader inspectPng(byte[] bytes) {
    // signature (8) + IHDR length (4) + type (4) + 13 data bytes + CRC (4)
    if (bytes.length < 33) {
      throw new InvalidImageException("PNG is truncated: the IHDR header is incomplete");
    }
    if (readInt(bytes, 8) != 13
        || bytes[12] != 'I'
        || bytes[13] != 'H'
        || bytes[14] != 'D'
        || bytes[15] != 'R') {
      throw new InvalidImageException("PNG is malformed: the first chunk is not a valid IHDR");
    }
    int width = readInt(bytes, 16);
    int height = readInt(bytes, 20);
    if (width == 0 || height == 0) {
      throw new InvalidImageException("PNG declares an empty image (" + width + "x" + height + ")");
    }
    if (width < 0 || height < 0) {
      throw new InvalidImageException(
          "PNG declares "
              + Integer.toUnsignedString(width)
              + "x"
              + Integer.toUnsignedString(height)
              + " pixels, beyond the PNG limit of 2^31-1 per side");
    }
    int bitDepth = bytes[24] & 0xff;
    int colourType = bytes[25] & 0xff;
    String layout =
        switch (colourType) {
          case 0 -> validDepth(bitDepth, 1, 2, 4, 8, 16) ? bitDepth + "-bit grayscale" : null;
          case 2 -> validDepth(bitDepth, 8, 16) ? bitDepth + "-bit RGB" : null;
          case 3 -> validDepth(bitDepth, 1, 2, 4, 8) ? bitDepth + "-bit palette" : null;
          case 4 -> validDepth(bitDepth, 8, 16) ? bitDepth + "-bit grayscale with alpha" : null;
          case 6 -> validDepth(bitDepth, 8, 16) ? bitDepth + "-bit RGBA" : null;
          default -> null;
        };
    if (layout == null) {
      throw new InvalidImageException(
          "PNG is malformed: colour type "
              + colourType
              + " with bit depth "
              + bitDepth
              + " is not a valid combination");
    }
    if ((bytes[28] & 0xff) == 1) {
      layout += ", interlaced";
    }
    return new ImageHeader(ImageHeader.ImageFormat.PNG, width, height, layout);
  }

  private static ImageHeader inspectJpeg(byte[] bytes) {
    int position = 2;
    while (position + 4 <= bytes.length) {
      if ((bytes[position] & 0xff) != 0xff) {
        throw new InvalidImageException("JPEG is malformed: expected a marker before the frame");
      }
      int marker = bytes[position + 1] & 0xff;
      if (marker == 0xff) {
        position++; // fill byte
        continue;
      }
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
        position += 2; // markers without a length
        continue;
      }
      int length = ((bytes[position + 2] & 0xff) << 8) | (bytes[position + 3] & 0xff);
      if (length < 2) {
        throw new InvalidImageException("JPEG is malformed: segment length " + length);
      }
      if (marker == 0xda || marker == 0xd9) {
        throw new InvalidImageException("JPEG is malformed: no frame header before the scan");
      }
      boolean startOfFrame = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8;
      if (startOfFrame) {
        if (position + 10 > bytes.length) {
          break;
        }
        return frameHeader(bytes, position, marker);
      }
      position += 2 + length;
    }
    throw new InvalidImageException("JPEG is truncated: no frame header (SOF) found");
  }

  private static ImageHeader frameHeader(byte[] bytes, int position, int marker) {
    int precision = bytes[position + 4] & 0xff;
    int height = ((bytes[position + 5] & 0xff) << 8) | (bytes[position + 6] & 0xff);
    int width = ((bytes[position + 7] & 0xff) << 8) | (bytes[position + 8] & 0xff);
    int components = bytes[position + 9] & 0xff;
    String process =
        switch (marker) {
          case 0xc0 -> "baseline";
          case 0xc1 -> "extended sequential";
          case 0xc2 -> "progressive";
          default -> null;
        };
    if (process == null) {
      String kind =
          switch (marker) {
            case 0xc3 -> "lossless";
            case 0xc5, 0xc6, 0xc7 -> "hierarchical (differential)";
            default -> "arithmetic-coded";
          };
      throw new InvalidImageException(
          "JPEG coding process '"
              + kind
              + "' is not supported; send a baseline or progressive Huffman JPEG, or PNG");
    }
    if (precision != 8) {
      throw new InvalidImageException(
          "JPEG sample precision " + precision + " bits is not supported; send 8-bit JPEG or PNG");
    }
    if (components == 4) {
      throw new InvalidImageException(
          "CMYK/YCCK JPEG is not supported; convert the image to RGB (sRGB) JPEG or PNG");
    }
    if (components != 1 && components != 3) {
      throw new InvalidImageException(
          "JPEG with " + components + " colour components is not supported; send RGB or gray");
    }
    if (width == 0 || height == 0) {
      throw new InvalidImageException(
          "JPEG declares an empty image or a deferred height (DNL), which is not supported");
    }
    String layout = process + (components == 1 ? " grayscale" : " colour");
    return new ImageHeader(ImageHeader.ImageFormat.JPEG, width, height, layout);
  }

  private static boolean validDepth(int depth, int... allowed) {
    for (int candidate : allowed) {
      if (candidate == depth) {
        return true;
      }
    }
    return false;
  }

  private static @Nullable String otherFormat(byte[] bytes) {
    if (startsWith(bytes, new byte[] {'G', 'I', 'F', '8'})) {
      return "GIF";
    }
    if (startsWith(bytes, new byte[] {'B', 'M'})) {
      return "BMP";
    }
    if (startsWith(bytes, new byte[] {'I', 'I', '*', 0})
        || startsWith(bytes, new byte[] {'M', 'M', 0, '*'})) {
      return "TIFF";
    }
    if (bytes.length >= 12
        && startsWith(bytes, new byte[] {'R', 'I', 'F', 'F'})
        && bytes[8] == 'W'
        && bytes[9] == 'E'
        && bytes[10] == 'B'
        && bytes[11] == 'P') {
      return "WebP";
    }
    return null;
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static int readInt(byte[] bytes, int offset) {
    return ((bytes[offset] & 0xff) << 24)
        | ((bytes[offset + 1] & 0xff) << 16)
        | ((bytes[offset + 2] & 0xff) << 8)
        | (bytes[offset + 3] & 0xff);
  }

  /** Converts any decoded layout to packed 8-bit RGB; package-private for tests. */
  static ImageRgb toRgb(BufferedImage image) {
    int width = image.getWidth();
    int height = image.getHeight();
    int[] rgb = new int[width * height];
    ColorModel colorModel = image.getColorModel();
    Raster raster = image.getRaster();
    int colourComponents = colorModel.getNumColorComponents();
    if (colorModel instanceof IndexColorModel) {
      // palette entries are sRGB already; getRGB only looks them up
      for (int y = 0; y < height; y++) {
        image.getRGB(0, y, width, 1, rgb, y * width, width);
      }
      for (int i = 0; i < rgb.length; i++) {
        rgb[i] &= 0xffffff;
      }
    } else if (colourComponents == 1) {
      int bits = colorModel.getComponentSize(0);
      int[] row = new int[width];
      for (int y = 0; y < height; y++) {
        raster.getSamples(0, y, width, 1, 0, row);
        for (int x = 0; x < width; x++) {
          int gray = toEightBits(row[x], bits);
          rgb[y * width + x] = (gray << 16) | (gray << 8) | gray;
        }
      }
    } else if (colourComponents == 3 && colorModel.getColorSpace().isCS_sRGB()) {
      int[][] bands = new int[3][width];
      int[] bits = {
        colorModel.getComponentSize(0),
        colorModel.getComponentSize(1),
        colorModel.getComponentSize(2)
      };
      for (int y = 0; y < height; y++) {
        for (int band = 0; band < 3; band++) {
          raster.getSamples(0, y, width, 1, band, bands[band]);
        }
        for (int x = 0; x < width; x++) {
          int red = toEightBits(bands[0][x], bits[0]);
          int green = toEightBits(bands[1][x], bits[1]);
          int blue = toEightBits(bands[2][x], bits[2]);
          rgb[y * width + x] = (red << 16) | (green << 8) | blue;
        }
      }
    } else {
      // other colour spaces (e.g. an embedded ICC profile): let Java2D convert to sRGB
      for (int y = 0; y < height; y++) {
        image.getRGB(0, y, width, 1, rgb, y * width, width);
      }
      for (int i = 0; i < rgb.length; i++) {
        rgb[i] &= 0xffffff;
      }
    }
    return new ImageRgb(width, height, rgb);
  }

  private static int toEightBits(int sample, int bits) {
    if (bits == 8) {
      return sample & 0xff;
    }
    if (bits > 8) {
      return (sample >>> (bits - 8)) & 0xff;
    }
    return sample * 255 / ((1 << bits) - 1);
  }
}
