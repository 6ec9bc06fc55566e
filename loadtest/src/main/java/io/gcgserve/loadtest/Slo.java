package io.gcgserve.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Per-request service-level objectives, e.g. {@code ttft=400ms,itl_p95=60ms,e2e=3s}. A request is
 * good when it finished OK and meets every term. Terms: {@code ttft}, {@code tfm} (first mask),
 * {@code e2e} and {@code tpot} from the intended send time ({@code ttft_sent}, {@code tfm_sent},
 * {@code e2e_sent} from the actual send), {@code itl_pNN} (the NNth percentile of the request's own
 * inter-token gaps) and {@code itl_max}. A request with no gap meets the ITL terms.
 *
 * @param terms the terms, in the order given
 */
record Slo(List<Slo.Term> terms) {

  private static final Pattern ITL = Pattern.compile("itl_(p([0-9]+(?:\\.[0-9]+)?)|max)");

  /**
   * One term.
   *
   * @param key the term as written, e.g. {@code itl_p95}
   * @param limitMs the limit in milliseconds
   */
  record Term(String key, double limitMs) {}

  /** No objectives: every OK request is good. */
  static final Slo NONE = new Slo(List.of());

  Slo {
    terms = List.copyOf(terms);
  }

  /** Parses {@code key=duration,...}; an empty text is {@link #NONE}. */
  static Slo parse(@Nullable String text) {
    if (text == null || text.isBlank()) {
      return NONE;
    }
    List<Term> terms = new ArrayList<>();
    for (String part : text.split(",")) {
      int equals = part.indexOf('=');
      if (equals < 0) {
        throw new IllegalArgumentException(
            "--slo term '" + part + "': write KEY=DURATION, e.g. ttft=400ms");
      }
      String key = part.substring(0, equals).trim().toLowerCase(Locale.ROOT);
      if (!known(key)) {
        throw new IllegalArgumentException(
            "--slo term '"
                + key
                + "' is unknown: use ttft, ttft_sent, tfm, tfm_sent, e2e, e2e_sent, tpot,"
                + " itl_pNN or itl_max");
      }
      terms.add(new Term(key, DurationText.millis(part.substring(equals + 1))));
    }
    return new Slo(terms);
  }

  private static boolean known(String key) {
    return List.of("ttft", "ttft_sent", "tfm", "tfm_sent", "e2e", "e2e_sent", "tpot").contains(key)
        || ITL.matcher(key).matches();
  }

  /** Whether {@code record} finished OK and meets every term. */
  boolean met(RequestRecord record) {
    if (!record.ok()) {
      return false;
    }
    for (Term term : terms) {
      Double value = value(record, term.key());
      if (value != null && value > term.limitMs()) {
        return false;
      }
    }
    return true;
  }

  private static @Nullable Double value(RequestRecord record, String key) {
    Matcher itl = ITL.matcher(key);
    if (itl.matches()) {
      return itl.group(2) == null
          ? record.itlPercentile(100)
          : record.itlPercentile(Double.parseDouble(itl.group(2)));
    }
    return switch (key) {
      case "ttft" -> orInfinity(record.ttftMs());
      case "ttft_sent" -> orInfinity(record.ttftSentMs());
      case "tfm" -> record.tfmMs();
      case "tfm_sent" -> record.tfmSentMs();
      case "e2e" -> record.e2eMs();
      case "e2e_sent" -> record.e2eSentMs();
      case "tpot" -> record.tpotMs();
      default -> throw new IllegalStateException("unchecked SLO key " + key);
    };
  }

  /** A finished stream without any token cannot meet a TTFT objective. */
  private static double orInfinity(@Nullable Double value) {
    return value == null ? Double.POSITIVE_INFINITY : value;
  }

  /** The objectives as given, {@code none} when there are none. */
  String describe() {
    if (terms.isEmpty()) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    for (Term term : terms) {
      parts.add(term.key() + "=" + String.format(Locale.ROOT, "%.0fms", term.limitMs()));
    }
    return String.join(",", parts);
  }
}
