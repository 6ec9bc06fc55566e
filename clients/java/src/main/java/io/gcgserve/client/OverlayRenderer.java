package io.gcgserve.client;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.proto.v1.GroundedPhrase;
import io.gcgserve.proto.v1.Mask;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Draws grounded phrases over their image: each mask tinted in its own colour with its outline, its
 * bounding box, and the phrase as a label. Masks whose size differs from the image are scaled by
 * nearest neighbour.
 */
public final class OverlayRenderer {

  /** Distinct, colour-blind-friendly hues (Okabe–Ito, then Tableau). */
  private static final Color[] PALETTE = {
    new Color(0xE69F00),
    new Color(0x56B4E9),
    new Color(0x009E73),
    new Color(0xF0E442),
    new Color(0x0072B2),
    new Color(0xD55E00),
    new Color(0xCC79A7),
    new Color(0x4E79A7),
    new Color(0xF28E2B),
    new Color(0x59A14F),
  };

  private static final double TINT = 0.5;

  private OverlayRenderer() {}

  /** The colour of the {@code index}-th phrase. */
  public static Color colour(int index) {
    return PALETTE[Math.floorMod(index, PALETTE.length)];
  }

  /** A new RGB image: {@code image} with every phrase's mask, box and label drawn over it. */
  public static BufferedImage render(BufferedImage image, List<GroundedPhrase> phrases) {
    int width = image.getWidth();
    int height = image.getHeight();
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D graphics = out.createGraphics();
    graphics.drawImage(image, 0, 0, null);
    graphics.dispose();
    for (int i = 0; i < phrases.size(); i++) {
      tint(out, phrases.get(i).getMask(), colour(i));
    }
    graphics = out.createGraphics();
    graphics.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    int fontSize = Math.max(11, Math.min(width, height) / 28);
    graphics.setFont(new Font(Font.SANS_SERIF, Font.BOLD, fontSize));
    graphics.setStroke(new BasicStroke(Math.max(1f, fontSize / 8f)));
    for (int i = 0; i < phrases.size(); i++) {
      label(graphics, phrases.get(i), colour(i), width, height);
    }
    graphics.dispose();
    return out;
  }

  private static void tint(BufferedImage out, Mask mask, Color colour) {
    BinaryMask pixels = ProtoMasks.decode(mask);
    int maskHeight = pixels.height();
    int maskWidth = pixels.width();
    int width = out.getWidth();
    int height = out.getHeight();
    for (int y = 0; y < height; y++) {
      int maskY = (int) ((long) y * maskHeight / height);
      for (int x = 0; x < width; x++) {
        int maskX = (int) ((long) x * maskWidth / width);
        if (!pixels.get(maskX, maskY)) {
          continue;
        }
        boolean edge =
            !inside(pixels, maskX - 1, maskY)
                || !inside(pixels, maskX + 1, maskY)
                || !inside(pixels, maskX, maskY - 1)
                || !inside(pixels, maskX, maskY + 1);
        out.setRGB(x, y, edge ? colour.getRGB() : blend(out.getRGB(x, y), colour));
      }
    }
  }

  private static boolean inside(BinaryMask pixels, int x, int y) {
    return x >= 0 && y >= 0 && x < pixels.width() && y < pixels.height() && pixels.get(x, y);
  }

  private static int blend(int rgb, Color colour) {
    int red = (int) (((rgb >> 16) & 0xff) * (1 - TINT) + colour.getRed() * TINT);
    int green = (int) (((rgb >> 8) & 0xff) * (1 - TINT) + colour.getGreen() * TINT);
    int blue = (int) ((rgb & 0xff) * (1 - TINT) + colour.getBlue() * TINT);
    return (red << 16) | (green << 8) | blue;
  }

  private static void label(
      Graphics2D graphics, GroundedPhrase phrase, Color colour, int width, int height) {
    Mask mask = phrase.getMask();
    if (mask.getBboxCount() != 4 || mask.getSizeCount() != 2) {
      return;
    }
    double scaleX = (double) width / mask.getSize(1);
    double scaleY = (double) height / mask.getSize(0);
    int x = (int) Math.round(mask.getBbox(0) * scaleX);
    int y = (int) Math.round(mask.getBbox(1) * scaleY);
    int boxWidth = (int) Math.round(mask.getBbox(2) * scaleX);
    int boxHeight = (int) Math.round(mask.getBbox(3) * scaleY);
    graphics.setColor(colour);
    if (boxWidth > 0 && boxHeight > 0) {
      graphics.drawRect(x, y, boxWidth - 1, boxHeight - 1);
    }
    FontMetrics metrics = graphics.getFontMetrics();
    String text = phrase.getPhrase();
    int textWidth = metrics.stringWidth(text) + 6;
    int textHeight = metrics.getHeight();
    int labelX = Math.max(0, Math.min(x, width - textWidth));
    int labelY =
        y - textHeight >= 0 ? y - textHeight : Math.min(y + boxHeight, height - textHeight);
    graphics.fillRect(labelX, labelY, textWidth, textHeight);
    double luminance =
        0.299 * colour.getRed() + 0.587 * colour.getGreen() + 0.114 * colour.getBlue();
    graphics.setColor(luminance > 150 ? Color.BLACK : Color.WHITE);
    graphics.drawString(text, labelX + 3, labelY + metrics.getAscent());
  }
}
