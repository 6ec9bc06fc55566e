package io.gcgserve.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scrape of a Prometheus text-format endpoint (exposition format 0.0.4, and the sample lines of
 * OpenMetrics): every sample with its labels. Comments ({@code # HELP}, {@code # TYPE}, {@code #
 * EOF}) and blank lines are skipped; timestamps after the value are ignored. Written here rather
 * than taken from the client library because the tools only read counters, gauges and histograms.
 */
public final class PrometheusText {

  /** One sample line: metric name (with its {@code _total}/{@code _sum}/... suffix) and labels. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;

  private PrometheusText(List<Sample> samples) {
    this.samples = List.copyOf(samples);
  }

  /** A scrape with no samples, for an endpoint that could not be read. */
  public static PrometheusText empty() {
    return new PrometheusText(List.of());
  }

  /** Parses a whole scrape; throws IllegalArgumentException naming the first malformed line. */
  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        samples.add(parseSample(line));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "metrics line " + (i + 1) + " is malformed (" + e.getMessage() + "): " + line, e);
      }
    }
    return new PrometheusText(samples);
  }

  /** Every sample, in scrape order. */
  public List<Sample> samples() {
    return samples;
  }

  /** Whether any sample has this exact name. */
  public boolean has(String name) {
    return samples.stream().anyMatch(sample -> sample.name().equals(name));
  }

  /**
   * The sum of every sample named {@code name} whose labels include each pair of {@code labelPairs}
   * (key, value, key, value, ...); with no pairs, of every label set. 0 when none matches.
   */
  public double sum(String name, String... labelPairs) {
    if (labelPairs.length % 2 != 0) {
      throw new IllegalArgumentException(
          "label pairs come as key, value, ...: got " + labelPairs.length + " strings");
    }
    double total = 0;
    for (Sample sample : samples) {
      if (sample.name().equals(name) && hasLabels(sample, labelPairs)) {
        total += sample.value();
      }
    }
    return total;
  }

  private static boolean hasLabels(Sample sample, String... labelPairs) {
    for (int i = 0; i < labelPairs.length; i += 2) {
      if (!labelPairs[i + 1].equals(sample.labels().get(labelPairs[i]))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The samples named {@code name} summed per value of {@code label} (samples without that label
   * are skipped), in first-seen order.
   */
  public Map<String, Double> sumBy(String name, String label) {
    Map<String, Double> sums = new LinkedHashMap<>();
    for (Sample sample : samples) {
      String key = sample.labels().get(label);
      if (sample.name().equals(name) && key != null) {
        sums.merge(key, sample.value(), Double::sum);
      }
    }
    return sums;
  }

  private static Sample parseSample(String line) {
    int nameEnd = 0;
    while (nameEnd < line.length() && isNameChar(line.charAt(nameEnd))) {
      nameEnd++;
    }
    if (nameEnd == 0) {
      throw new IllegalArgumentException("no metric name");
    }
    String name = line.substring(0, nameEnd);
    Map<String, String> labels = new LinkedHashMap<>();
    int position = nameEnd;
    if (position < line.length() && line.charAt(position) == '{') {
      position = parseLabels(line, position + 1, labels);
    }
    String rest = line.substring(position).strip();
    if (rest.isEmpty()) {
      throw new IllegalArgumentException("no value");
    }
    String[] fields = rest.split("\\s+");
    if (fields.length > 2) {
      throw new IllegalArgumentException("text after the timestamp");
    }
    return new Sample(name, Map.copyOf(labels), parseValue(fields[0]));
  }

  /** Parses {@code a="x",b="y"}} from {@code start}; returns the index after the closing brace. */
  private static int parseLabels(String line, int start, Map<String, String> labels) {
    int position = start;
    while (true) {
      position = skipSpaces(line, position);
      if (position < line.length() && line.charAt(position) == '}') {
        return position + 1;
      }
      int keyStart = position;
      while (position < line.length() && isNameChar(line.charAt(position))) {
        position++;
      }
      String key = line.substring(keyStart, position);
      position = skipSpaces(line, position);
      if (key.isEmpty() || !startsWith(line, position, "=\"")) {
        throw new IllegalArgumentException("bad label at column " + (position + 1));
      }
      StringBuilder value = new StringBuilder();
      position = readQuoted(line, position + 2, value);
      labels.put(key, value.toString());
      position = skipSpaces(line, position);
      if (position < line.length() && line.charAt(position) == ',') {
        position++;
      } else if (position >= line.length() || line.charAt(position) != '}') {
        throw new IllegalArgumentException("unterminated label set");
      }
    }
  }

  /** Reads an escaped label value up to its closing quote; returns the index after the quote. */
  private static int readQuoted(String line, int start, StringBuilder value) {
    int position = start;
    while (position < line.length()) {
      char c = line.charAt(position);
      if (c == '"') {
        return position + 1;
      }
      if (c == '\\' && position + 1 < line.length()) {
        char escaped = line.charAt(position + 1);
        value.append(escaped == 'n' ? '\n' : escaped);
        position += 2;
      } else {
        value.append(c);
        position++;
      }
    }
    throw new IllegalArgumentException("unterminated label value");
  }

  private static double parseValue(String text) {
    return switch (text) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        try {
          yield Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("value '" + text + "' is not a number", e);
        }
      }
    };
  }

  private static boolean isNameChar(char c) {
    return c == '_'
        || c == ':'
        || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9');
  }

  private static int skipSpaces(String line, int position) {
    int index = position;
    while (index < line.length() && line.charAt(index) == ' ') {
      index++;
    }
    return index;
  }

  private static boolean startsWith(String line, int position, String prefix) {
    return line.startsWith(prefix, position);
  }
}
