package io.gcgserve.model.data;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.pruners.ImageRgb;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Renders scenes side by side with their masks overlaid (one colour per phrase) and their captions
 * below, phrases written in their mask's colour, so that a person can check data at a glance.
 */
public final class ContactSheet {

  private static final int[] PALETTE = {
    0xe6194b, 0x3cb44b, 0x4363d8, 0xffe119, 0xf58231, 0x911eb4, 0x42d4f4, 0xf032e6, 0xbfef45,
    0x469990
  };
  private static final int CAPTION_HEIGHT = 96;
  private static final int GAP = 8;

  private ContactSheet() {}

  /** Overlay colour of phrase {@code index}, shared with other renderers of grounded captions. */
  public static int phraseColor(int index) {
    return PALETTE[index % PALETTE.length];
  }

  /** Draws {@code scenes} in a grid of {@code columns} columns. */
  public static BufferedImage render(List<Scene> scenes, int columns) {
    if (scenes.isEmpty()) {
      throw new IllegalArgumentException("a contact sheet needs at least one scene");
    }
    int tileWidth = scenes.stream().mapToInt(s -> s.image().width()).max().orElseThrow();
    int tileHeight = scenes.stream().mapToInt(s -> s.image().height()).max().orElseThrow();
    int cols = Math.min(columns, scenes.size());
    int rows = (scenes.size() + cols - 1) / cols;
    int cellWidth = tileWidth * 2 + GAP;
    int cellHeight = tileHeight + CAPTION_HEIGHT;
    BufferedImage sheet =
        new BufferedImage(
            cols * (cellWidth + GAP) + GAP,
            rows * (cellHeight + GAP) + GAP,
            BufferedImage.TYPE_INT_RGB);
    Graphics2D graphics = sheet.createGraphics();
    try {
      graphics.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      graphics.setColor(Color.WHITE);
      graphics.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
      for (int i = 0; i < scenes.size(); i++) {
        int left = GAP + (i % cols) * (cellWidth + GAP);
        int top = GAP + (i / cols) * (cellHeight + GAP);
        Scene scene = scenes.get(i);
        graphics.drawImage(toBuffered(scene.image()), left, top, null);
        graphics.drawImage(overlay(scene), left + tileWidth + GAP, top, null);
        drawCaption(graphics, scene, left, top + tileHeight + 14, cellWidth);
      }
    } finally {
      graphics.dispose();
    }
    return sheet;
  }

  private static BufferedImage toBuffered(ImageRgb image) {
    BufferedImage buffered =
        new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
    buffered.setRGB(0, 0, image.width(), image.height(), image.rgb(), 0, image.width());
    return buffered;
  }

  /** The image dimmed, each phrase's mask blended in its colour. */
  private static BufferedImage overlay(Scene scene) {
    ImageRgb image = scene.image();
    int[] rgb = new int[image.rgb().length];
    for (int p = 0; p < rgb.length; p++) {
      rgb[p] = blend(image.rgb()[p], 0x000000, 0.5);
    }
    List<Grounding> groundings = scene.groundings();
    for (int g = 0; g < groundings.size(); g++) {
      BinaryMask mask = groundings.get(g).mask();
      int color = phraseColor(g);
      for (int p = mask.pixels().nextSetBit(0); p >= 0; p = mask.pixels().nextSetBit(p + 1)) {
        rgb[p] = blend(image.rgb()[p], color, 0.6);
      }
    }
    return toBuffered(new ImageRgb(image.width(), image.height(), rgb));
  }

  private static void drawCaption(
      Graphics2D graphics, Scene scene, int left, int baseline, int width) {
    graphics.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    FontMetrics metrics = graphics.getFontMetrics();
    String caption = scene.plainCaption();
    int x = left;
    int y = baseline;
    int position = 0;
    for (String word : caption.split(" ")) {
      int start = caption.indexOf(word, position);
      position = start + word.length();
      int phrase = -1;
      for (int g = 0; g < scene.groundings().size(); g++) {
        Grounding grounding = scene.groundings().get(g);
        if (start >= grounding.start() && start < grounding.end()) {
          phrase = g;
        }
      }
      int wordWidth = metrics.stringWidth(word + " ");
      if (x + wordWidth > left + width) {
        x = left;
        y += metrics.getHeight();
      }
      graphics.setColor(phrase < 0 ? Color.BLACK : new Color(blend(phraseColor(phrase), 0, 0.2)));
      graphics.drawString(word, x, y);
      x += wordWidth;
    }
  }

  private static int blend(int under, int over, double alpha) {
    int r = (int) Math.round(((under >> 16) & 0xff) * (1 - alpha) + ((over >> 16) & 0xff) * alpha);
    int g = (int) Math.round(((under >> 8) & 0xff) * (1 - alpha) + ((over >> 8) & 0xff) * alpha);
    int b = (int) Math.round((under & 0xff) * (1 - alpha) + (over & 0xff) * alpha);
    return (r << 16) | (g << 8) | b;
  }
}
