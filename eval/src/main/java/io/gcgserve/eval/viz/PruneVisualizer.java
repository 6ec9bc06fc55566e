package io.gcgserve.eval.viz;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.altp.Segmentation;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Draws pruning decisions like the paper's Figure 5: one panel per pruning layer, kept patches in
 * their own colours, patches pruned at that layer dimmed, patches pruned earlier greyed out, and
 * for ALTP the superpixel borders on top.
 */
public final class PruneVisualizer {

  /** Height of the caption strip above each panel, in pixels. */
  static final int HEADER_PIXELS = 22;

  /** Gap between panels. */
  static final int GAP_PIXELS = 6;

  /** Border colour of superpixels. */
  static final int BORDER_RGB = 0xFFE000;

  private final int minimumPanelSide;

  /**
   * Creates a visualiser.
   *
   * @param minimumPanelSide panels are scaled up (nearest) until their shorter side reaches this
   */
  public PruneVisualizer(int minimumPanelSide) {
    if (minimumPanelSide < 1) {
      throw new IllegalArgumentException("panel side must be positive");
    }
    this.minimumPanelSide = minimumPanelSide;
  }

  /**
   * Renders the input and then one panel per step, left to right.
   *
   * @param input the image as the pruner saw it (used for the first panel)
   * @param steps recorded pruning calls; empty draws the input alone
   * @param title caption of the first panel
   */
  public BufferedImage render(ImageRgb input, List<PruneStep> steps, String title) {
    Objects.requireNonNull(input, "input is null");
    Objects.requireNonNull(steps, "steps is null");
    ImageRgb image = input;
    int scale =
        Math.max(
            1,
            (int) Math.ceil(minimumPanelSide / (double) Math.min(image.width(), image.height())));
    int panelWidth = image.width() * scale;
    int panelHeight = image.height() * scale;
    int panels = steps.size() + 1;
    BufferedImage canvas =
        new BufferedImage(
            panels * panelWidth + (panels - 1) * GAP_PIXELS,
            panelHeight + HEADER_PIXELS,
            BufferedImage.TYPE_INT_RGB);
    Graphics2D graphics = canvas.createGraphics();
    try {
      graphics.setColor(Color.WHITE);
      graphics.fillRect(0, 0, canvas.getWidth(), canvas.getHeight());
      graphics.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      graphics.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      graphics.setColor(Color.BLACK);

      drawPanel(canvas, image, null, null, 0, scale);
      graphics.drawString(title, 4, HEADER_PIXELS - 6);
      for (int i = 0; i < steps.size(); i++) {
        PruneStep step = steps.get(i);
        int totalTokens = step.gridHeight() * step.gridWidth();
        int left = (i + 1) * (panelWidth + GAP_PIXELS);
        drawPanel(canvas, step.image(), step, step.segmentation(), left, scale);
        graphics.drawString(
            "after layer " + step.layer() + ": " + step.kept().size() + "/" + totalTokens + " kept",
            left + 4,
            HEADER_PIXELS - 6);
      }
    } finally {
      graphics.dispose();
    }
    return canvas;
  }

  /** Token states for one panel: 2 kept, 1 pruned at this step, 0 pruned earlier. */
  static byte[] tokenStates(PruneStep step) {
    byte[] states = new byte[step.gridHeight() * step.gridWidth()];
    for (int token : step.liveBefore()) {
      states[token] = 1;
    }
    for (int token : step.kept().keptVisualTokens()) {
      states[token] = 2;
    }
    return states;
  }

  private static void drawPanel(
      BufferedImage canvas,
      ImageRgb image,
      @Nullable PruneStep step,
      @Nullable Segmentation segmentation,
      int left,
      int scale) {
    byte @Nullable [] states = step == null ? null : tokenStates(step);
    for (int y = 0; y < image.height(); y++) {
      for (int x = 0; x < image.width(); x++) {
        int rgb = image.at(x, y);
        if (states != null && step != null) {
          int row = (int) ((long) y * step.gridHeight() / image.height());
          int column = (int) ((long) x * step.gridWidth() / image.width());
          byte state = states[row * step.gridWidth() + column];
          if (state == 1) {
            rgb = dim(rgb);
          } else if (state == 0) {
            rgb = grey(rgb);
          }
        }
        if (segmentation != null && isBorder(segmentation, x, y)) {
          rgb = BORDER_RGB;
        }
        for (int dy = 0; dy < scale; dy++) {
          for (int dx = 0; dx < scale; dx++) {
            canvas.setRGB(left + x * scale + dx, HEADER_PIXELS + y * scale + dy, rgb);
          }
        }
      }
    }
  }

  /** True where the region changes to the right or below: a one-pixel border line. */
  static boolean isBorder(Segmentation segmentation, int x, int y) {
    int region = segmentation.regionAtImagePixel(x, y);
    return (x + 1 < segmentation.imageWidth()
            && segmentation.regionAtImagePixel(x + 1, y) != region)
        || (y + 1 < segmentation.imageHeight()
            && segmentation.regionAtImagePixel(x, y + 1) != region);
  }

  /** A pruned patch: a third of its brightness, blended towards grey, still recognisable. */
  static int dim(int rgb) {
    int red = ((rgb >> 16) & 0xFF) / 3 + 40;
    int green = ((rgb >> 8) & 0xFF) / 3 + 40;
    int blue = (rgb & 0xFF) / 3 + 40;
    return (red << 16) | (green << 8) | blue;
  }

  /** A patch pruned at an earlier layer: flat dark grey with a hint of its luminance. */
  static int grey(int rgb) {
    int luminance =
        (int) (0.299 * ((rgb >> 16) & 0xFF) + 0.587 * ((rgb >> 8) & 0xFF) + 0.114 * (rgb & 0xFF));
    int value = 30 + luminance / 8;
    return (value << 16) | (value << 8) | value;
  }
}
