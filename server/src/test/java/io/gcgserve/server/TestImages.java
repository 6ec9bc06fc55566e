package io.gcgserve.server;

import com.google.protobuf.ByteString;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Images for tests, encoded with ImageIO or crafted byte by byte. */
final class TestImages {

  private TestImages() {}

  /** A {@code width x height} RGB image with a red square, encoded as {@code format}. */
  static byte[] encoded(int width, int height, int imageType, String format) {
    BufferedImage image = new BufferedImage(width, height, imageType);
    Graphics2D graphics = image.createGraphics();
    graphics.setColor(Color.WHITE);
    graphics.fillRect(0, 0, width, height);
    graphics.setColor(Color.RED);
    graphics.fillRect(width / 4, height / 4, width / 2, height / 2);
    graphics.dispose();
    return write(image, format);
  }

  static byte[] write(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] png(int width, int height) {
    return encoded(width, height, BufferedImage.TYPE_INT_RGB, "png");
  }

  static ByteString pngBytes(int width, int height) {
    return ByteString.copyFrom(png(width, height));
  }

  /**
   * A valid PNG signature and IHDR (with a correct CRC) declaring {@code width x height} 8-bit RGB,
   * followed directly by IEND: tiny on the wire, enormous if decoded.
   */
  static byte[] pngDeclaring(int width, int height) {
    ByteBuffer out = ByteBuffer.allocate(8 + 25 + 12);
    out.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteBuffer ihdr = ByteBuffer.allocate(17);
    ihdr.put(new byte[] {'I', 'H', 'D', 'R'});
    ihdr.putInt(width).putInt(height);
    ihdr.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    out.putInt(13).put(ihdr.array()).putInt(crc(ihdr.array()));
    byte[] iend = {'I', 'E', 'N', 'D'};
    out.putInt(0).put(iend).putInt(crc(iend));
    return out.array();
  }

  /** A JPEG start with a baseline frame header of {@code components} channels. */
  static byte[] jpegFrameHeader(int width, int height, int components) {
    ByteBuffer out = ByteBuffer.allocate(4 + 2 + 8 + 3 * components + 2);
    out.put((byte) 0xff).put((byte) 0xd8);
    out.put((byte) 0xff).put((byte) 0xc0);
    out.putShort((short) (8 + 3 * components));
    out.put((byte) 8).putShort((short) height).putShort((short) width).put((byte) components);
    for (int i = 0; i < components; i++) {
      out.put((byte) (i + 1)).put((byte) 0x11).put((byte) 0);
    }
    out.put((byte) 0xff).put((byte) 0xd9);
    return out.array();
  }

  private static int crc(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return (int) crc.getValue();
  }
}
