package io.gcgserve.reliability;

import java.util.ArrayList;
import java.util.List;

/** A parsed {@code /metrics} scrape (Prometheus text format): sample lines, summed on demand. */
final class PrometheusText {

  private record Sample(String name, String labels, double value) {}

  private final List<Sample> samples;

  private PrometheusText(List<Sample> samples) {
    this.samples = samples;
  }

  /** Parses the text format; comment and malformed lines are skipped. */
  static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      String name;
      String labels = "";
      if (brace >= 0 && brace < space) {
        name = line.substring(0, brace);
        labels = line.substring(brace + 1, line.lastIndexOf('}'));
      } else {
        name = line.substring(0, line.indexOf(' '));
      }
      try {
        samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
      } catch (NumberFormatException e) {
        // a timestamp or an odd line: not a value we read
      }
    }
    return new PrometheusText(samples);
  }

  /**
   * The sum of every sample named {@code name} whose labels include each {@code key="value"} of
   * {@code labelPairs} (key, value, key, value, ...); 0 when none.
   */
  double sum(String name, String... labelPairs) {
    double total = 0;
    for (Sample sample : samples) {
      if (sample.name().equals(name) && matches(sample.labels(), labelPairs)) {
        total += sample.value();
      }
    }
    return total;
  }

  private static boolean matches(String labels, String... labelPairs) {
    for (int i = 0; i + 1 < labelPairs.length; i += 2) {
      if (!labels.contains(labelPairs[i] + "=\"" + labelPairs[i + 1] + "\"")) {
        return false;
      }
    }
    return true;
  }
}
