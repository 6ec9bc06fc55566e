package io.gcgserve.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws AP50 against the FLOPs ratio, one line per pruner (points sorted by FLOPs) and the unpruned
 * model as a single point, with axes, ticks, labels and a legend; pure Java2D.
 */
public final class ParetoChart {

  private static final int WIDTH = 900;
  private static final int HEIGHT = 600;
  private static final int LEFT = 80;
  private static final int RIGHT = 220;
  private static final int TOP = 50;
  private static final int BOTTOM = 70;
  private static final Color[] COLORS = {
    new Color(0x1f77b4),
    new Color(0xff7f0e),
    new Color(0x2ca02c),
    new Color(0xd62728),
    new Color(0x9467bd),
    new Color(0x8c564b),
    new Color(0xe377c2)
  };

  private ParetoChart() {}

  /** One labelled point. */
  public record Point(double flopsRatio, double ap50) {}

  /**
   * Renders the chart.
   *
   * @param series points by series name (e.g. FastV, PDrop, ALTP, Only DDC, Upper bound)
   * @param title chart title
   */
  public static BufferedImage render(Map<String, List<Point>> series, String title) {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      double maxAp = 0;
      for (List<Point> points : series.values()) {
        for (Point point : points) {
          if (!Double.isNaN(point.ap50())) {
            maxAp = Math.max(maxAp, point.ap50());
          }
        }
      }
      double yMax = Math.max(10, Math.ceil(maxAp * 100 / 10) * 10);
      int plotWidth = WIDTH - LEFT - RIGHT;
      int plotHeight = HEIGHT - TOP - BOTTOM;
      // grid and ticks
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      FontMetrics metrics = g.getFontMetrics();
      for (int tick = 0; tick <= 10; tick++) {
        int x = LEFT + plotWidth * tick / 10;
        int y = TOP + plotHeight - plotHeight * tick / 10;
        g.setColor(new Color(0xeeeeee));
        g.drawLine(x, TOP, x, TOP + plotHeight);
        g.drawLine(LEFT, y, LEFT + plotWidth, y);
        g.setColor(Color.DARK_GRAY);
        String xLabel = (tick * 10) + "%";
        g.drawString(xLabel, x - metrics.stringWidth(xLabel) / 2, TOP + plotHeight + 18);
        String yLabel = String.format(Locale.ROOT, "%.0f", yMax * tick / 10);
        g.drawString(yLabel, LEFT - 8 - metrics.stringWidth(yLabel), y + 4);
      }
      g.setColor(Color.BLACK);
      g.drawRect(LEFT, TOP, plotWidth, plotHeight);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
      metrics = g.getFontMetrics();
      String xAxis = "FLOPs ratio (Eq. 5, prefill)";
      g.drawString(xAxis, LEFT + (plotWidth - metrics.stringWidth(xAxis)) / 2, HEIGHT - 25);
      AffineTransform saved = g.getTransform();
      g.rotate(-Math.PI / 2);
      String yAxis = "mask AP50 (x100)";
      g.drawString(yAxis, -(TOP + (plotHeight + metrics.stringWidth(yAxis)) / 2), 25);
      g.setTransform(saved);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      g.drawString(title, LEFT, TOP - 20);
      // series
      int index = 0;
      int legendY = TOP + 10;
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      for (Map.Entry<String, List<Point>> entry : series.entrySet()) {
        Color color = COLORS[index++ % COLORS.length];
        List<Point> points = new ArrayList<>(entry.getValue());
        points.removeIf(point -> Double.isNaN(point.ap50()));
        points.sort((a, b) -> Double.compare(a.flopsRatio(), b.flopsRatio()));
        g.setColor(color);
        g.setStroke(new BasicStroke(2.2f));
        int previousX = -1;
        int previousY = -1;
        for (Point point : points) {
          int x = LEFT + (int) Math.round(Math.min(1, Math.max(0, point.flopsRatio())) * plotWidth);
          int y = TOP + plotHeight - (int) Math.round(point.ap50() * 100 / yMax * plotHeight);
          if (previousX >= 0) {
            g.drawLine(previousX, previousY, x, y);
          }
          g.fillOval(x - 5, y - 5, 10, 10);
          previousX = x;
          previousY = y;
        }
        g.fillOval(LEFT + plotWidth + 20, legendY - 5, 10, 10);
        g.drawLine(LEFT + plotWidth + 12, legendY, LEFT + plotWidth + 38, legendY);
        g.setColor(Color.BLACK);
        g.drawString(entry.getKey(), LEFT + plotWidth + 46, legendY + 5);
        legendY += 24;
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  /** Series from results: one per label of Table 1 and Table 3 rows, the upper bound alone. */
  public static Map<String, List<Point>> series(
      ConfigurationPlan plan, Map<String, ConfigurationResult> results) {
    Map<String, List<Point>> series = new LinkedHashMap<>();
    List<Configuration> rows = new ArrayList<>(plan.main());
    rows.addAll(plan.ablation());
    for (Configuration configuration : rows) {
      ConfigurationResult result = results.get(configuration.id());
      if (result == null) {
        continue;
      }
      List<Point> points = series.computeIfAbsent(configuration.label(), key -> new ArrayList<>());
      Point point = new Point(result.flopsRatio(), result.scores().ap50());
      if (!points.contains(point)) {
        points.add(point);
      }
    }
    return series;
  }
}
