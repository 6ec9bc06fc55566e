package io.gcgserve.server.metrics;

import static java.util.Objects.requireNonNull;

/**
 * The labels every per-request metric carries: the pruner that ran, and the experiment and arm that
 * chose it ({@value #NONE} for both when the request named its pruner). Their values are bounded:
 * pruner names are registered names or {@code unknown}, and experiments and arms are those of the
 * experiments file (at most 16 × 16), whose label series are dropped when a reload removes them.
 *
 * @param pruner registry name, or {@link ServingMetrics#UNKNOWN_PRUNER}
 * @param experiment experiment name, or {@value #NONE}
 * @param arm arm name, or {@value #NONE}
 */
public record RequestLabels(String pruner, String experiment, String arm) {

  /** The experiment and arm label of a request without an experiment. */
  public static final String NONE = "none";

  /** Checks. */
  public RequestLabels {
    requireNonNull(pruner, "pruner is null");
    requireNonNull(experiment, "experiment is null");
    requireNonNull(arm, "arm is null");
  }

  /** The labels of a request that named its pruner. */
  public static RequestLabels of(String pruner) {
    return new RequestLabels(pruner, NONE, NONE);
  }
}
