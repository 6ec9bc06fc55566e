package io.gcgserve.eval.ab;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * The per-arm tally of a drive: for each arm the server reported, the requests, how many ended OK,
 * the failures by status code and the median TTFT of the OK ones. A request's arm is its {@code
 * Started.arm}; when the stream carried no Started (it failed before prefill) or an empty arm, the
 * {@code gcg-arm} response header; without either it is counted under {@link #NO_ARM}. Requests
 * whose Started.arm and header disagree are counted, a server bug worth seeing.
 */
@NullMarked
public final class AbDriveSummary {

  /** The arm label of requests for which the server reported no arm. */
  public static final String NO_ARM = "(no arm)";

  /**
   * One arm's tally.
   *
   * @param name the arm, or {@link #NO_ARM}
   * @param requests requests counted under the arm
   * @param ok those that ended with OK
   * @param errors the others, by status code name, sorted by name
   * @param ttftMedianMillis median send-to-first-TextDelta of the OK requests that streamed a
   *     token, in ms; NaN when none did
   */
  public record Arm(
      String name, int requests, int ok, Map<String, Integer> errors, double ttftMedianMillis) {

    /** Copies the error map. */
    public Arm {
      Objects.requireNonNull(name, "name is null");
      errors = Collections.unmodifiableMap(new TreeMap<>(errors));
    }
  }

  private final List<Arm> arms;
  private final int requests;
  private final int ok;
  private final int startedArms;
  private final int headerArms;
  private final int disagreeing;
  private final long wallNanos;
  private final @Nullable String firstFailure;

  private AbDriveSummary(
      List<Arm> arms,
      int requests,
      int ok,
      int startedArms,
      int headerArms,
      int disagreeing,
      long wallNanos,
      @Nullable String firstFailure) {
    this.arms = List.copyOf(arms);
    this.requests = requests;
    this.ok = ok;
    this.startedArms = startedArms;
    this.headerArms = headerArms;
    this.disagreeing = disagreeing;
    this.wallNanos = wallNanos;
    this.firstFailure = firstFailure;
  }

  /** Tallies {@code results}, which took {@code wallNanos}. */
  static AbDriveSummary of(List<AbDriveCall.Result> results, long wallNanos) {
    Map<String, List<AbDriveCall.Result>> byArm = new TreeMap<>();
    int ok = 0;
    int started = 0;
    int header = 0;
    int disagreeing = 0;
    String firstFailure = null;
    for (AbDriveCall.Result result : results) {
      String startedArm = result.startedArm();
      String headerArm = result.headerArm();
      started += startedArm != null ? 1 : 0;
      header += headerArm != null ? 1 : 0;
      if (startedArm != null && headerArm != null && !startedArm.equals(headerArm)) {
        disagreeing++;
      }
      String arm = startedArm != null ? startedArm : headerArm != null ? headerArm : NO_ARM;
      byArm.computeIfAbsent(arm, name -> new ArrayList<>()).add(result);
      if (result.ok()) {
        ok++;
      } else if (firstFailure == null) {
        String message = result.message();
        firstFailure = result.code() + (message == null ? "" : ": " + message);
      }
    }
    List<Arm> arms = new ArrayList<>();
    byArm.forEach((name, tallied) -> arms.add(arm(name, tallied)));
    return new AbDriveSummary(
        arms, results.size(), ok, started, header, disagreeing, wallNanos, firstFailure);
  }

  private static Arm arm(String name, List<AbDriveCall.Result> results) {
    Map<String, Integer> errors =
        results.stream()
            .filter(result -> !result.ok())
            .collect(Collectors.toMap(r -> r.code().name(), r -> 1, Integer::sum));
    double[] ttfts =
        results.stream()
            .filter(AbDriveCall.Result::ok)
            .mapToDouble(AbDriveCall.Result::ttftMillis)
            .filter(ttft -> !Double.isNaN(ttft))
            .toArray();
    int ok = (int) results.stream().filter(AbDriveCall.Result::ok).count();
    return new Arm(name, results.size(), ok, errors, median(ttfts));
  }

  /** The median of {@code values} (mean of the middle two for an even count); NaN when empty. */
  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  /** The arms, sorted by name. */
  public List<Arm> arms() {
    return arms;
  }

  /** Requests sent. */
  public int requests() {
    return requests;
  }

  /** Requests that ended OK. */
  public int ok() {
    return ok;
  }

  /** Requests whose Started and {@code gcg-arm} header named different arms. */
  public int disagreeing() {
    return disagreeing;
  }

  /** True when requests were sent and none ended OK. */
  public boolean allFailed() {
    return requests > 0 && ok == 0;
  }

  /** The status (and description) of the first failed request in plan order, if any failed. */
  public @Nullable String firstFailure() {
    return firstFailure;
  }

  /** Failures of every arm, by status code name. */
  public Map<String, Integer> errors() {
    Map<String, Integer> all = new TreeMap<>();
    arms.forEach(
        arm -> arm.errors().forEach((code, count) -> all.merge(code, count, Integer::sum)));
    return all;
  }

  /** Prints the tally as a table, under a line naming {@code experiment}. */
  public void print(PrintStream out, String experiment) {
    double seconds = wallNanos / 1e9;
    out.printf(
        Locale.ROOT,
        "experiment %s: %d requests, %d OK, %d failed%s, %.1f s, %.2f req/s%n",
        experiment,
        requests,
        ok,
        requests - ok,
        requests - ok == 0 ? "" : " (" + errorText(errors()) + ")",
        seconds,
        seconds > 0 ? requests / seconds : 0.0);
    int width = Math.max(3, arms.stream().mapToInt(arm -> arm.name().length()).max().orElse(3));
    String row = "%-" + width + "s  %8s  %8s  %12s  %s%n";
    out.printf(Locale.ROOT, row, "arm", "requests", "OK", "TTFT p50 ms", "errors");
    for (Arm arm : arms) {
      out.printf(
          Locale.ROOT,
          row,
          arm.name(),
          arm.requests(),
          arm.ok(),
          Double.isNaN(arm.ttftMedianMillis())
              ? "-"
              : String.format(Locale.ROOT, "%.1f", arm.ttftMedianMillis()),
          arm.errors().isEmpty() ? "-" : errorText(arm.errors()));
    }
    out.printf(
        Locale.ROOT,
        "arm reported by Started.arm in %d, by the gcg-arm header in %d, disagreeing in %d of %d"
            + " requests%n",
        startedArms,
        headerArms,
        disagreeing,
        requests);
  }

  private static String errorText(Map<String, Integer> errors) {
    return new TreeMap<>(errors)
        .entrySet().stream()
            .map(entry -> entry.getKey() + "=" + entry.getValue())
            .collect(Collectors.joining(", "));
  }
}
