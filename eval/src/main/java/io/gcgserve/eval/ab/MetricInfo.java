package io.gcgserve.eval.ab;

import java.util.Locale;

/**
 * How one compared metric is named, measured and judged.
 *
 * @param key the metric's key in report.json, e.g. {@code ttft_p50_ms}
 * @param label the metric in prose, e.g. {@code TTFT p50}
 * @param unit the unit of values and differences, e.g. {@code ms}
 * @param lowerIsBetter whether a smaller value is the better one
 * @param better the comparative for the better arm, e.g. {@code faster}
 * @param worse the comparative for the worse arm, e.g. {@code slower}
 * @param decimals digits after the point when printed
 */
public record MetricInfo(
    String key,
    String label,
    String unit,
    boolean lowerIsBetter,
    String better,
    String worse,
    int decimals) {

  /** {@code value} with this metric's decimals, {@code n/a} for NaN. */
  public String format(double value) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }

  /** {@code value} with an explicit sign ({@code +} or the minus sign U+2212). */
  public String formatSigned(double value) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    String magnitude = format(Math.abs(value));
    if (Double.parseDouble(magnitude) == 0) {
      return magnitude;
    }
    return (value < 0 ? "\u2212" : "+") + magnitude;
  }

  /** {@code value} followed by the unit. */
  public String withUnit(String value) {
    return unit.isEmpty() ? value : value + " " + unit;
  }
}
