package io.gcgserve.eval.ab;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.special.Gamma;
import org.jspecify.annotations.Nullable;

/**
 * The sample-ratio-mismatch check: Pearson's χ² goodness of fit of the arms' request counts against
 * the configured shares ({@code arm_share}). A p-value below {@link #THRESHOLD} means the traffic
 * did not split as configured (a bug in assignment, a filter that drops one arm's requests, an arm
 * failing before it is logged), and every other figure of the report is suspect.
 *
 * <p>When the shares of the arms in the log sum to less than one, the arms configured but never
 * seen are one more category, observed 0 times. Requests are counted, not subjects: with sticky
 * (hashed) assignment a subject that sends many requests weighs more than one that sends few.
 *
 * @param observed requests per arm (plus {@link #UNSEEN} when some share is missing)
 * @param expected expected requests per arm: share × total
 * @param chiSquare the statistic
 * @param degreesOfFreedom categories − 1
 * @param pValue P(χ² ≥ statistic)
 * @param note why the test was not run, or what was assumed; null when nothing needs saying
 */
public record SampleRatioTest(
    Map<String, Long> observed,
    Map<String, Double> expected,
    double chiSquare,
    int degreesOfFreedom,
    double pValue,
    @Nullable String note) {

  /** Below this p-value the report warns loudly. */
  public static final double THRESHOLD = 0.001;

  /** The category of arms configured but absent from the log. */
  public static final String UNSEEN = "(arms not in the log)";

  /** Copies. */
  public SampleRatioTest {
    observed = Map.copyOf(observed);
    expected = Map.copyOf(expected);
  }

  /** Whether the split is off: p below {@link #THRESHOLD}. */
  public boolean mismatch() {
    return !Double.isNaN(pValue) && pValue < THRESHOLD;
  }

  /** The test over {@code arms}, using each arm's last configured share. */
  public static SampleRatioTest of(List<ArmSample> arms) {
    Map<String, Long> counts = new LinkedHashMap<>();
    Map<String, Double> shares = new LinkedHashMap<>();
    StringBuilder note = new StringBuilder();
    for (ArmSample arm : arms) {
      Double share = arm.lastShare();
      if (share == null) {
        return notRun("arm " + arm.name() + " has no arm_share in the log");
      }
      if (arm.shares().size() > 1) {
        note.append("arm ")
            .append(arm.name())
            .append("'s share changed during the log ")
            .append(arm.shares())
            .append("; the test uses the last. ");
      }
      counts.put(arm.name(), (long) arm.requests());
      shares.put(arm.name(), share);
    }
    String text = note.toString().trim();
    return test(counts, shares, text.isEmpty() ? null : text);
  }

  /**
   * The test of {@code counts} against {@code shares} (same keys; shares summing to at most 1, the
   * rest going to {@link #UNSEEN}).
   */
  public static SampleRatioTest test(
      Map<String, Long> counts, Map<String, Double> shares, @Nullable String note) {
    Map<String, Long> observed = new LinkedHashMap<>(counts);
    Map<String, Double> weights = new LinkedHashMap<>(shares);
    double shareSum = weights.values().stream().mapToDouble(Double::doubleValue).sum();
    if (shareSum < 1 - 1e-6) {
      observed.put(UNSEEN, 0L);
      weights.put(UNSEEN, 1 - shareSum);
      shareSum = 1;
    }
    long total = observed.values().stream().mapToLong(Long::longValue).sum();
    if (observed.size() < 2 || total == 0) {
      return notRun("needs at least two arms and one request");
    }
    Map<String, Double> expected = new LinkedHashMap<>();
    double chiSquare = 0;
    for (Map.Entry<String, Long> entry : observed.entrySet()) {
      double expect = total * weights.getOrDefault(entry.getKey(), 0.0) / shareSum;
      expected.put(entry.getKey(), expect);
      double deviation = entry.getValue() - expect;
      chiSquare += deviation * deviation / expect;
    }
    int freedom = observed.size() - 1;
    // the χ² survival function: the upper regularized gamma Q(df / 2, χ² / 2), exact in the tail
    double p = Gamma.regularizedGammaQ(freedom / 2.0, chiSquare / 2);
    return new SampleRatioTest(observed, expected, chiSquare, freedom, Math.max(0, p), note);
  }

  private static SampleRatioTest notRun(String why) {
    return new SampleRatioTest(Map.of(), Map.of(), Double.NaN, 0, Double.NaN, "not run: " + why);
  }

  /** The loud warning printed at the top of the report and on stderr, for a mismatch. */
  public String warning() {
    return String.format(
        java.util.Locale.ROOT,
        "SAMPLE RATIO MISMATCH: the arms' request counts %s do not match the configured shares"
            + " (chi-square %.1f, df %d, p = %.2g < %s). Traffic did not split as configured;"
            + " treat every comparison below as suspect until the cause is found.",
        observed,
        chiSquare,
        degreesOfFreedom,
        pValue,
        THRESHOLD);
  }
}
