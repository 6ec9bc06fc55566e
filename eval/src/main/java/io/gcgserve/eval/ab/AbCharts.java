package io.gcgserve.eval.ab;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** The report's plots, pure Java2D: latency CDFs per arm and a forest plot of the differences. */
public final class AbCharts {

  /** File name of the TTFT CDF. */
  public static final String TTFT_CDF = "ttft-cdf.png";

  /** File name of the end-to-end latency CDF. */
  public static final String TOTAL_CDF = "total-cdf.png";

  /** File name of the differences' forest plot. */
  public static final String DIFFERENCES = "differences.png";

  private static final int WIDTH = 900;
  private static final int HEIGHT = 560;
  private static final int LEFT = 80;
  private static final int RIGHT = 200;
  private static final int TOP = 50;
  private static final int BOTTOM = 70;
  private static final int CDF_POINTS = 800;
  private static final Color[] COLORS = {
    new Color(0x1f77b4),
    new Color(0xff7f0e),
    new Color(0x2ca02c),
    new Color(0xd62728),
    new Color(0x9467bd),
    new Color(0x8c564b),
    new Color(0xe377c2),
    new Color(0x7f7f7f)
  };

  private AbCharts() {}

  /** Writes the three plots into {@code directory}. */
  public static void write(AbReport report, Path directory) throws IOException {
    Map<String, double[]> ttft = new LinkedHashMap<>();
    Map<String, double[]> total = new LinkedHashMap<>();
    for (ArmSample arm : report.log().arms()) {
      ttft.put(arm.name(), arm.ttft());
      total.put(arm.name(), arm.total());
    }
    String experiment = report.log().experiment();
    png(cdf(ttft, "TTFT by arm, " + experiment, "TTFT (ms)"), directory.resolve(TTFT_CDF));
    png(
        cdf(total, "End-to-end latency by arm, " + experiment, "total (ms)"),
        directory.resolve(TOTAL_CDF));
    List<Comparison> comparisons = new ArrayList<>(report.comparisons());
    AbReport.Quality quality = report.quality();
    if (quality != null) {
      comparisons.addAll(quality.comparisons());
    }
    png(
        forest(comparisons, "Differences against " + report.log().control() + " (95% CI)"),
        directory.resolve(DIFFERENCES));
  }

  private static void png(BufferedImage image, Path file) throws IOException {
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException("no PNG writer for " + file);
    }
  }

  private static Graphics2D canvas(BufferedImage image, String title) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(title, LEFT, TOP - 20);
    return g;
  }

  /**
   * Empirical CDFs of ascending samples, one line per series; the x axis runs to the largest
   * series' 99.5th percentile so one outlier does not flatten the rest.
   */
  public static BufferedImage cdf(Map<String, double[]> series, String title, String xLabel) {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image, title);
    try {
      double xMax = 0;
      for (double[] sorted : series.values()) {
        if (sorted.length > 0) {
          xMax =
              Math.max(xMax, Bootstrap.percentile(sorted, Bootstrap.identity(sorted.length), 99.5));
        }
      }
      xMax = xMax <= 0 ? 1 : niceCeiling(xMax);
      int plotWidth = WIDTH - LEFT - RIGHT;
      int plotHeight = HEIGHT - TOP - BOTTOM;
      axes(g, plotWidth, plotHeight, xMax, xLabel + ", axis ends at the largest p99.5");
      int index = 0;
      for (Map.Entry<String, double[]> entry : series.entrySet()) {
        Color color = COLORS[index % COLORS.length];
        double[] sorted = entry.getValue();
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        int step = Math.max(1, sorted.length / CDF_POINTS);
        int previousX = LEFT;
        int previousY = TOP + plotHeight;
        for (int i = 0; i < sorted.length; i += step) {
          int x = LEFT + (int) Math.round(Math.min(1, sorted[i] / xMax) * plotWidth);
          int y = TOP + plotHeight - (int) Math.round((i + 1.0) / sorted.length * plotHeight);
          g.drawLine(previousX, previousY, x, previousY);
          g.drawLine(x, previousY, x, y);
          previousX = x;
          previousY = y;
        }
        int legendY = TOP + 10 + 24 * index;
        g.fillRect(LEFT + plotWidth + 16, legendY - 5, 20, 10);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(
            entry.getKey() + " (n=" + sorted.length + ")", LEFT + plotWidth + 44, legendY + 5);
        index++;
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  private static void axes(Graphics2D g, int plotWidth, int plotHeight, double xMax, String xAxis) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    FontMetrics metrics = g.getFontMetrics();
    for (int tick = 0; tick <= 10; tick++) {
      int x = LEFT + plotWidth * tick / 10;
      int y = TOP + plotHeight - plotHeight * tick / 10;
      g.setColor(new Color(0xeeeeee));
      g.drawLine(x, TOP, x, TOP + plotHeight);
      g.drawLine(LEFT, y, LEFT + plotWidth, y);
      g.setColor(Color.DARK_GRAY);
      String xText = String.format(Locale.ROOT, "%.0f", xMax * tick / 10);
      g.drawString(xText, x - metrics.stringWidth(xText) / 2, TOP + plotHeight + 18);
      String yText = String.format(Locale.ROOT, "%.1f", tick / 10.0);
      g.drawString(yText, LEFT - 8 - metrics.stringWidth(yText), y + 4);
    }
    g.setColor(Color.BLACK);
    g.drawRect(LEFT, TOP, plotWidth, plotHeight);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    metrics = g.getFontMetrics();
    g.drawString(xAxis, LEFT + (plotWidth - metrics.stringWidth(xAxis)) / 2, HEIGHT - 25);
    g.drawString("share of requests", 8, TOP - 4);
  }

  private static double niceCeiling(double value) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    for (double factor : new double[] {1, 2, 2.5, 5, 10}) {
      if (factor * magnitude >= value) {
        return factor * magnitude;
      }
    }
    return 10 * magnitude;
  }

  /**
   * A forest plot: one row per comparison, the difference and its interval on the row's own scale
   * (symmetric around the zero line, so rows of different units share the picture), green where the
   * arm is better, red where worse, grey where the interval contains zero.
   */
  public static BufferedImage forest(List<Comparison> comparisons, String title) {
    int rowHeight = 34;
    int labelWidth = 330;
    int stripWidth = 330;
    int height = TOP + 30 + rowHeight * Math.max(1, comparisons.size()) + 20;
    BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(image, title);
    try {
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      int center = 20 + labelWidth + stripWidth / 2;
      g.setColor(Color.GRAY);
      g.drawLine(center, TOP, center, height - 20);
      g.drawString("0", center - 3, TOP + 12);
      int y = TOP + 30;
      for (Comparison c : comparisons) {
        drawRow(g, c, y, labelWidth, stripWidth, center);
        y += rowHeight;
      }
      if (comparisons.isEmpty()) {
        g.setColor(Color.BLACK);
        g.drawString("no comparison: the experiment has one arm", 20, TOP + 40);
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  private static void drawRow(
      Graphics2D g, Comparison c, int y, int labelWidth, int stripWidth, int center) {
    MetricInfo metric = c.metric();
    g.setColor(Color.BLACK);
    g.drawString(c.arm() + ": " + metric.label() + " (" + metric.unit() + ")", 20, y + 5);
    g.setColor(new Color(0xf0f0f0));
    g.drawLine(20 + labelWidth, y, 20 + labelWidth + stripWidth, y);
    double extent =
        Math.max(Math.abs(c.difference()), Math.max(Math.abs(c.low()), Math.abs(c.high())));
    String range = metric.formatSigned(c.low()) + " to " + metric.formatSigned(c.high());
    if (c.outcome() == Comparison.Outcome.NOT_ENOUGH_DATA || !(extent > 0)) {
      g.setColor(Color.GRAY);
      g.drawString(
          c.outcome() == Comparison.Outcome.NOT_ENOUGH_DATA ? "not enough data" : range,
          30 + labelWidth + stripWidth,
          y + 5);
      return;
    }
    double scale = (stripWidth / 2.0 - 10) / extent;
    int low = center + (int) Math.round(c.low() * scale);
    int high = center + (int) Math.round(c.high() * scale);
    int point = center + (int) Math.round(c.difference() * scale);
    g.setColor(
        switch (c.outcome()) {
          case ARM_BETTER -> new Color(0x2ca02c);
          case ARM_WORSE -> new Color(0xd62728);
          default -> Color.DARK_GRAY;
        });
    g.setStroke(new BasicStroke(2.5f));
    g.drawLine(low, y, high, y);
    g.drawLine(low, y - 6, low, y + 6);
    g.drawLine(high, y - 6, high, y + 6);
    g.fillOval(point - 5, y - 5, 10, 10);
    g.setStroke(new BasicStroke(1f));
    g.drawString(range, 30 + labelWidth + stripWidth, y + 5);
  }
}
