package io.gcgserve.loadtest;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A small line/scatter chart drawn with Java2D (as eval's report charts are; the project has no
 * charting library): linear axes with round ticks, one colour per series, a legend on the right.
 */
final class Plot {

  /** One series: its name, points, and whether to join them with a line. */
  record Series(String name, double[] x, double[] y, boolean line, boolean dashed) {}

  private static final int WIDTH = 900;
  private static final int HEIGHT = 540;
  private static final int LEFT = 80;
  private static final int RIGHT = 230;
  private static final int TOP = 50;
  private static final int BOTTOM = 70;
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
    new Color(0xbcbd22), new Color(0x17becf)
  };

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();

  Plot(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  Plot add(Series one) {
    series.add(one);
    return this;
  }

  /** The empirical CDF of {@code values} as a line series. */
  static Series cdf(String name, double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int points = Math.min(sorted.length, 600);
    double[] x = new double[points];
    double[] y = new double[points];
    for (int i = 0; i < points; i++) {
      int index =
          points == 1 ? 0 : (int) Math.round((double) i * (sorted.length - 1) / (points - 1));
      x[i] = sorted[index];
      y[i] = (index + 1) / (double) sorted.length;
    }
    return new Series(name, x, y, true, false);
  }

  /** Draws the chart into {@code file} as PNG. */
  void write(Path file) throws IOException {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      double[] xRange = range(true);
      double[] yRange = range(false);
      axes(g, xRange, yRange);
      for (int s = 0; s < series.size(); s++) {
        draw(g, series.get(s), COLORS[s % COLORS.length], xRange, yRange);
        legend(g, series.get(s), COLORS[s % COLORS.length], s);
      }
    } finally {
      g.dispose();
    }
    ImageIO.write(image, "png", file.toFile());
  }

  private double[] range(boolean x) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Series one : series) {
      for (double value : x ? one.x() : one.y()) {
        if (Double.isFinite(value)) {
          min = Math.min(min, value);
          max = Math.max(max, value);
        }
      }
    }
    if (!Double.isFinite(min)) {
      return new double[] {0, 1};
    }
    min = Math.min(0, min);
    if (max <= min) {
      max = min + 1;
    }
    double step = niceStep((max - min) / 6);
    return new double[] {Math.floor(min / step) * step, Math.ceil(max / step) * step, step};
  }

  private static double niceStep(double raw) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double fraction = raw / magnitude;
    double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
    return nice * magnitude;
  }

  private static int px(double value, double[] range) {
    return LEFT + (int) Math.round((value - range[0]) / (range[1] - range[0]) * plotWidth());
  }

  private static int py(double value, double[] range) {
    return HEIGHT
        - BOTTOM
        - (int) Math.round((value - range[0]) / (range[1] - range[0]) * plotHeight());
  }

  private static int plotWidth() {
    return WIDTH - LEFT - RIGHT;
  }

  private static int plotHeight() {
    return HEIGHT - TOP - BOTTOM;
  }

  private void axes(Graphics2D g, double[] xRange, double[] yRange) {
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.setColor(Color.BLACK);
    g.drawString(title, LEFT, TOP - 20);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int i = 0; i * xRange[2] <= xRange[1] - xRange[0] + 1e-9; i++) {
      double value = xRange[0] + i * xRange[2];
      int x = px(value, xRange);
      g.setColor(new Color(0xe0e0e0));
      g.drawLine(x, TOP, x, HEIGHT - BOTTOM);
      g.setColor(Color.BLACK);
      g.drawString(label(value), x - 12, HEIGHT - BOTTOM + 18);
    }
    for (int i = 0; i * yRange[2] <= yRange[1] - yRange[0] + 1e-9; i++) {
      double value = yRange[0] + i * yRange[2];
      int y = py(value, yRange);
      g.setColor(new Color(0xe0e0e0));
      g.drawLine(LEFT, y, WIDTH - RIGHT, y);
      g.setColor(Color.BLACK);
      g.drawString(label(value), LEFT - 50, y + 4);
    }
    g.drawRect(LEFT, TOP, plotWidth(), plotHeight());
    g.drawString(xLabel, LEFT + plotWidth() / 2 - 40, HEIGHT - 25);
    Graphics2D rotated = (Graphics2D) g.create();
    rotated.rotate(-Math.PI / 2);
    rotated.drawString(yLabel, -(TOP + plotHeight() / 2 + 40), 20);
    rotated.dispose();
  }

  private static String label(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e9) {
      return Long.toString((long) value);
    }
    return new java.math.BigDecimal(String.format(Locale.ROOT, "%.4g", value))
        .stripTrailingZeros()
        .toPlainString();
  }

  private static void draw(
      Graphics2D g, Series one, Color color, double[] xRange, double[] yRange) {
    g.setColor(color);
    g.setStroke(
        one.dashed()
            ? new BasicStroke(
                2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f)
            : new BasicStroke(2f));
    int previousX = -1;
    int previousY = -1;
    for (int i = 0; i < one.x().length; i++) {
      if (!Double.isFinite(one.x()[i]) || !Double.isFinite(one.y()[i])) {
        continue;
      }
      int x = px(one.x()[i], xRange);
      int y = py(one.y()[i], yRange);
      if (one.line() && previousX >= 0) {
        g.drawLine(previousX, previousY, x, y);
      }
      if (!one.line() || one.x().length <= 12) {
        g.fillOval(x - 3, y - 3, 7, 7);
      }
      previousX = x;
      previousY = y;
    }
    g.setStroke(new BasicStroke(1f));
  }

  private static void legend(Graphics2D g, Series one, Color color, int index) {
    int y = TOP + 10 + index * 20;
    g.setColor(color);
    g.fillRect(WIDTH - RIGHT + 15, y - 9, 14, 10);
    g.setColor(Color.BLACK);
    String name = one.name().length() > 28 ? one.name().substring(0, 27) + "\u2026" : one.name();
    g.drawString(name, WIDTH - RIGHT + 35, y);
  }
}
