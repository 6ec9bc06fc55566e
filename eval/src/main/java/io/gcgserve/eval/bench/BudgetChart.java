package io.gcgserve.eval.bench;

import io.gcgserve.eval.bench.BudgetBench.Config;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jspecify.annotations.NullMarked;

/** The TTFT p50 (solid) and p90 (thin) of each configuration against the arrival rate. */
@NullMarked
final class BudgetChart {

  private static final int WIDTH = 900;
  private static final int HEIGHT = 560;
  private static final int LEFT = 80;
  private static final int RIGHT = 190;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c)
  };

  private BudgetChart() {}

  static void write(Map<Config, List<BudgetBenchReport.Phase>> phases, double budget, Path file)
      throws IOException {
    double xMax = 0;
    double yMax = budget * 1.5;
    for (List<BudgetBenchReport.Phase> list : phases.values()) {
      for (BudgetBenchReport.Phase phase : list) {
        xMax = Math.max(xMax, phase.rate());
        if (!Double.isNaN(phase.ttftP90())) {
          yMax = Math.max(yMax, Math.min(phase.ttftP90(), budget * 6));
        }
      }
    }
    xMax = xMax <= 0 ? 1 : xMax * 1.05;
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      int w = WIDTH - LEFT - RIGHT;
      int h = HEIGHT - TOP - BOTTOM;
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      g.drawString("TTFT against arrival rate (p50 thick, p90 thin)", LEFT, TOP - 20);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (int tick = 0; tick <= 10; tick++) {
        int x = LEFT + w * tick / 10;
        int y = TOP + h - h * tick / 10;
        g.setColor(new Color(0xeeeeee));
        g.drawLine(x, TOP, x, TOP + h);
        g.drawLine(LEFT, y, LEFT + w, y);
        g.setColor(Color.DARK_GRAY);
        g.drawString(String.format(Locale.ROOT, "%.2f", xMax * tick / 10), x - 12, TOP + h + 16);
        g.drawString(String.format(Locale.ROOT, "%.0f", yMax * tick / 10), LEFT - 44, y + 4);
      }
      g.setColor(Color.BLACK);
      g.drawRect(LEFT, TOP, w, h);
      g.drawString("arrival rate, requests/s (Poisson)", LEFT + w / 2 - 90, HEIGHT - 22);
      g.drawString("TTFT ms", 8, TOP - 4);
      int budgetY = TOP + h - (int) Math.round(budget / yMax * h);
      g.setColor(Color.RED);
      g.setStroke(
          new BasicStroke(
              1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {6, 4}, 0));
      g.drawLine(LEFT, budgetY, LEFT + w, budgetY);
      g.drawString(
          String.format(Locale.ROOT, "budget %.0f ms", budget), LEFT + w + 10, budgetY + 4);
      int index = 0;
      for (Map.Entry<Config, List<BudgetBenchReport.Phase>> entry : phases.entrySet()) {
        Color color = COLORS[index % COLORS.length];
        g.setColor(color);
        line(g, entry.getValue(), true, xMax, yMax, w, h);
        line(g, entry.getValue(), false, xMax, yMax, w, h);
        int legendY = TOP + 10 + 22 * index;
        g.fillRect(LEFT + w + 10, legendY + 25, 18, 8);
        g.setColor(Color.BLACK);
        g.drawString(entry.getKey().label, LEFT + w + 34, legendY + 33);
        index++;
      }
      ImageIO.write(image, "png", file.toFile());
    } finally {
      g.dispose();
    }
  }

  private static void line(
      Graphics2D g,
      List<BudgetBenchReport.Phase> phases,
      boolean median,
      double xMax,
      double yMax,
      int w,
      int h) {
    g.setStroke(new BasicStroke(median ? 2.5f : 1f));
    int previousX = -1;
    int previousY = -1;
    List<BudgetBenchReport.Phase> byRate = new ArrayList<>(phases);
    byRate.sort(Comparator.comparingDouble(BudgetBenchReport.Phase::rate));
    for (BudgetBenchReport.Phase phase : byRate) {
      double value = median ? phase.ttftP50() : phase.ttftP90();
      if (Double.isNaN(value)) {
        continue;
      }
      int x = LEFT + (int) Math.round(phase.rate() / xMax * w);
      int y = TOP + h - (int) Math.round(Math.min(value, yMax) / yMax * h);
      g.fillOval(x - 3, y - 3, 6, 6);
      if (previousX >= 0) {
        g.drawLine(previousX, previousY, x, y);
      }
      previousX = x;
      previousY = y;
    }
  }
}
