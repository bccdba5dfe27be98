package dev.switchboard.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Latency percentiles of each target on one chart (Java2D, no charting dependency): x is the
 * percentile on a "nines" scale (50, 90, 99, 99.9, max), y the latency in milliseconds on a log
 * scale, so sub-millisecond medians and multi-millisecond tails are both readable.
 */
public final class LatencyChart {

  private static final double[] PERCENTILES = {50, 75, 90, 95, 99, 99.5, 99.9, 100};
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)
  };

  private LatencyChart() {}

  /** Renders the series (name → samples) to a PNG at {@code file}. */
  public static void render(String title, Map<String, LatencySamples> series, Path file)
      throws IOException {
    int width = 900;
    int height = 520;
    int left = 80;
    int right = 170;
    int top = 50;
    int bottom = 60;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      Map<String, double[]> values = new LinkedHashMap<>();
      double max = 0;
      double min = Double.MAX_VALUE;
      for (var e : series.entrySet()) {
        double[] v = new double[PERCENTILES.length];
        for (int i = 0; i < v.length; i++) {
          v[i] = e.getValue().percentileMs(PERCENTILES[i]);
          if (!Double.isNaN(v[i]) && v[i] > 0) {
            max = Math.max(max, v[i]);
            min = Math.min(min, v[i]);
          }
        }
        values.put(e.getKey(), v);
      }
      if (max <= 0) {
        max = 1;
        min = 0.1;
      }
      double low = Math.floor(Math.log10(min));
      double high = Math.max(low + 1, Math.ceil(Math.log10(max)));
      int plotW = width - left - right;
      int plotH = height - top - bottom;
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      g.drawString(title, left, 30);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (double decade = low; decade <= high; decade++) {
        int y = top + plotH - (int) ((decade - low) / (high - low) * plotH);
        g.setColor(new Color(0xdddddd));
        g.drawLine(left, y, left + plotW, y);
        g.setColor(Color.BLACK);
        g.drawString(trim(Math.pow(10, decade)), 10, y + 4);
      }
      g.drawRect(left, top, plotW, plotH);
      g.drawString("latency (ms, log scale)", 10, top - 10);
      double xMax = nines(PERCENTILES[PERCENTILES.length - 2]) + 0.5;
      for (double p : PERCENTILES) {
        int x = left + (int) (xScale(p, xMax) * plotW);
        g.drawLine(x, top + plotH, x, top + plotH + 5);
        g.drawString(p == 100 ? "max" : "p" + trim(p), x - 12, top + plotH + 20);
      }
      g.drawString("percentile", left + plotW / 2 - 30, height - 15);
      int index = 0;
      for (var e : values.entrySet()) {
        Color color = COLORS[index % COLORS.length];
        g.setColor(color);
        g.setStroke(new BasicStroke(2.5f));
        int prevX = -1;
        int prevY = -1;
        for (int i = 0; i < PERCENTILES.length; i++) {
          double v = e.getValue()[i];
          if (Double.isNaN(v)) {
            continue;
          }
          int x = left + (int) (xScale(PERCENTILES[i], xMax) * plotW);
          double position = (Math.log10(Math.max(v, Math.pow(10, low))) - low) / (high - low);
          int y = top + plotH - (int) (position * plotH);
          g.fillOval(x - 3, y - 3, 7, 7);
          if (prevX >= 0) {
            g.drawLine(prevX, prevY, x, y);
          }
          prevX = x;
          prevY = y;
        }
        int ly = top + 20 + index * 22;
        g.fillRect(left + plotW + 15, ly - 10, 14, 14);
        g.setColor(Color.BLACK);
        g.drawString(e.getKey(), left + plotW + 35, ly + 2);
        index++;
      }
    } finally {
      g.dispose();
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(image, "png", file.toFile());
  }

  /** Percentiles spread by their number of nines, max drawn half a step after the last. */
  private static double xScale(double p, double xMax) {
    return p >= 100 ? 1.0 : nines(p) / xMax;
  }

  private static double nines(double p) {
    return Math.log10(100.0 / (100.0 - p)) - Math.log10(2);
  }

  private static String trim(double p) {
    return p == Math.rint(p) ? Long.toString((long) p) : String.format(Locale.ROOT, "%s", p);
  }
}
