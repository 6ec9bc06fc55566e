package io.gcgserve.loadtest;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them: {@code 400ms}, {@code 20s}, {@code 1.5s}, {@code 2m}. */
final class DurationText {

  private static final Pattern FORMAT = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(ms|s|m)?");

  private DurationText() {}

  /**
   * Milliseconds of {@code text}; a bare number is seconds.
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  static double millis(String text) {
    Matcher matcher = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration: write e.g. 400ms, 20s, 1.5s or 2m");
    }
    double value = Double.parseDouble(matcher.group(1));
    String unit = matcher.group(2) == null ? "s" : matcher.group(2);
    return switch (unit) {
      case "ms" -> value;
      case "m" -> value * 60_000;
      default -> value * 1000;
    };
  }

  /** Seconds of {@code text}. */
  static double seconds(String text) {
    return millis(text) / 1000;
  }
}
