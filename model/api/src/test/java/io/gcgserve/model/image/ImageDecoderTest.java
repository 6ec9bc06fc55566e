package io.gcgserve.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.pruners.ImageRgb;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

  private final ImageDecoder decoder = new ImageDecoder(4096, 4096);

  private static byte[] encode(BufferedImage image, String format) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ImageIO.write(image, format, out)).isTrue();
    return out.toByteArray();
  }

  @Test
  void grayscalePngKeepsExactGrayLevels() throws Exception {
    BufferedImage gray = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 77, 200});
    ImageRgb rgb = decoder.inspectAndDecode(encode(gray, "png"));
    assertThat(rgb.rgb()).containsExactly(0x000000, 0x4d4d4d, 0xc8c8c8);
  }

  @Test
  void sixteenBitGrayPngIsScaledToEightBits() throws Exception {
    BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
    gray.getRaster().setSamples(0, 0, 2, 1, 0, new int[] {0xffff, 0x8000});
    byte[] png = encode(gray, "png");
    assertThat(decoder.inspect(png).description()).isEqualTo("16-bit grayscale");
    assertThat(decoder.decode(png, decoder.inspect(png)).rgb()).containsExactly(0xffffff, 0x808080);
  }

  @Test
  void palettePngUsesItsPaletteColours() throws Exception {
    IndexColorModel palette =
        new IndexColorModel(
            8,
            2,
            new byte[] {(byte) 255, 0},
            new byte[] {0, (byte) 128},
            new byte[] {0, (byte) 255});
    BufferedImage indexed = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, palette);
    indexed.getRaster().setSamples(0, 0, 2, 1, 0, new int[] {0, 1});
    byte[] png = encode(indexed, "png");
    assertThat(decoder.inspect(png).description()).contains("palette");
    assertThat(decoder.decode(png, decoder.inspect(png)).rgb()).containsExactly(0xff0000, 0x0080ff);
  }

  @Test
  void alphaIsDroppedNotComposited() throws Exception {
    BufferedImage argb = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
    argb.setRGB(0, 0, 0x3312ab56);
    byte[] png = encode(argb, "png");
    assertThat(decoder.inspect(png).description()).isEqualTo("8-bit RGBA");
    assertThat(decoder.decode(png, decoder.inspect(png)).rgb()).containsExactly(0x12ab56);
  }

  @Test
  void jpegHeaderGivesSizeWithoutDecoding() throws Exception {
    BufferedImage rgb = new BufferedImage(33, 17, BufferedImage.TYPE_INT_RGB);
    ImageHeader header = decoder.inspect(encode(rgb, "jpeg"));
    assertThat(header.format()).isEqualTo(ImageHeader.ImageFormat.JPEG);
    assertThat(header.width()).isEqualTo(33);
    assertThat(header.height()).isEqualTo(17);
  }

  @Test
  void cmykJpegGetsAPreciseError() {
    assertThatThrownBy(() -> decoder.inspect(jpegFrame(0xc0, 8, 4)))
        .isInstanceOf(InvalidImageException.class)
        .hasMessage("CMYK/YCCK JPEG is not supported; convert the image to RGB (sRGB) JPEG or PNG");
  }

  @Test
  void arithmeticAndTwelveBitJpegsGetPreciseErrors() {
    assertThatThrownBy(() -> decoder.inspect(jpegFrame(0xc9, 8, 3)))
        .hasMessageContaining("'arithmetic-coded' is not supported");
    assertThatThrownBy(() -> decoder.inspect(jpegFrame(0xc1, 12, 3)))
        .hasMessageContaining("precision 12 bits is not supported");
  }

  @Test
  void limitsApplyPerSide() {
    ImageDecoder small = new ImageDecoder(100, 50);
    assertThatThrownBy(() -> small.inspect(jpegFrame(0xc0, 8, 3)))
        .hasMessage("image is 640x480 pixels; the limit is 100x50 (--max-image-size)");
  }

  @Test
  void pngWithBrokenHeaderIsRejected() {
    byte[] signatureOnly = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
    assertThatThrownBy(() -> decoder.inspect(signatureOnly))
        .hasMessage("PNG is truncated: the IHDR header is incomplete");
  }

  /** SOI, an APP0 segment to skip, then a 640x480 frame header of the given kind. */
  private static byte[] jpegFrame(int marker, int precision, int components) {
    ByteBuffer out = ByteBuffer.allocate(64);
    out.put((byte) 0xff).put((byte) 0xd8);
    out.put((byte) 0xff).put((byte) 0xe0).putShort((short) 4).putShort((short) 0);
    out.put((byte) 0xff).put((byte) marker).putShort((short) (8 + 3 * components));
    out.put((byte) precision).putShort((short) 480).putShort((short) 640).put((byte) components);
    for (int i = 0; i < components; i++) {
      out.put((byte) (i + 1)).put((byte) 0x11).put((byte) 0);
    }
    byte[] bytes = new byte[out.position()];
    out.flip();
    out.get(bytes);
    return bytes;
  }
}
