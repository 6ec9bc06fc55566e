package io.gcgserve.eval.ab;

import java.util.Objects;

/**
 * One metric of one arm against the control: the two values, their difference ({@code arm −
 * control}) with its bootstrap interval, and the verdict.
 *
 * @param metric the metric
 * @param arm the compared arm
 * @param control the control arm
 * @param armValue the metric on the arm's sample
 * @param controlValue the metric on the control's sample
 * @param difference {@code armValue − controlValue}
 * @param low lower end of the {@link Bootstrap#CONFIDENCE} interval of the difference
 * @param high upper end of that interval
 * @param outcome what the interval says
 */
public record Comparison(
    MetricInfo metric,
    String arm,
    String control,
    double armValue,
    double controlValue,
    double difference,
    double low,
    double high,
    Outcome outcome) {

  /** What the interval of a difference says. */
  public enum Outcome {
    /** The interval lies wholly on the arm's better side of zero. */
    ARM_BETTER,
    /** The interval lies wholly on the arm's worse side of zero. */
    ARM_WORSE,
    /** The interval contains zero. */
    NO_DIFFERENCE,
    /** One of the two samples has fewer than two values. */
    NOT_ENOUGH_DATA
  }

  /** Null checks. */
  public Comparison {
    Objects.requireNonNull(metric, "metric is null");
    Objects.requireNonNull(arm, "arm is null");
    Objects.requireNonNull(control, "control is null");
    Objects.requireNonNull(outcome, "outcome is null");
  }

  /**
   * Compares from the point estimate and the interval: better or worse when the interval excludes
   * zero, no difference when it contains it, not enough data when either sample is below two.
   */
  public static Comparison of(
      MetricInfo metric,
      String arm,
      String control,
      double armValue,
      double controlValue,
      double[] interval,
      boolean enoughData) {
    double low = interval[0];
    double high = interval[1];
    Outcome outcome;
    if (!enoughData || Double.isNaN(low) || Double.isNaN(high)) {
      outcome = Outcome.NOT_ENOUGH_DATA;
    } else if (low > 0 || high < 0) {
      boolean armLower = high < 0;
      outcome = armLower == metric.lowerIsBetter() ? Outcome.ARM_BETTER : Outcome.ARM_WORSE;
    } else {
      outcome = Outcome.NO_DIFFERENCE;
    }
    return new Comparison(
        metric, arm, control, armValue, controlValue, armValue - controlValue, low, high, outcome);
  }

  /**
   * The plain verdict: {@code altp25 is faster than fastv25 by 18.0–31.0 ms at TTFT p50 (95% CI)},
   * {@code no detectable difference at TTFT p50 (95% CI −4.0 to +6.0 ms)} or {@code not enough
   * data}.
   */
  public String verdict() {
    String level = Math.round(Bootstrap.CONFIDENCE * 100) + "% CI";
    return switch (outcome) {
      case ARM_BETTER, ARM_WORSE -> {
        double near = Math.min(Math.abs(low), Math.abs(high));
        double far = Math.max(Math.abs(low), Math.abs(high));
        yield arm
            + " is "
            + (outcome == Outcome.ARM_BETTER ? metric.better() : metric.worse())
            + " than "
            + control
            + " by "
            + metric.withUnit(metric.format(near) + "\u2013" + metric.format(far))
            + " at "
            + metric.label()
            + " ("
            + level
            + ")";
      }
      case NO_DIFFERENCE ->
          "no detectable difference at "
              + metric.label()
              + " ("
              + level
              + " "
              + metric.withUnit(metric.formatSigned(low) + " to " + metric.formatSigned(high))
              + ")";
      case NOT_ENOUGH_DATA ->
          "not enough data for " + metric.label() + " (each arm needs at least 2 values)";
    };
  }
}
