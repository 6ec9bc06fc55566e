package io.gcgserve.server.budget;

import io.gcgserve.server.config.ServerConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The load-aware half of the time-budget policy: a server-wide ceiling on the keep ratio that time
 * budgets may choose, adjusted from how they fare (additive increase, multiplicative decrease, as
 * TCP's congestion window). Each request's own prediction is myopic: it takes the largest keep that
 * fits its own TTFT, although the prefill it adds delays every request behind it. When time budgets
 * start to miss, or come close ({@link #NEAR_MISS} of the budget), the ceiling drops to {@link
 * #DECREASE} of itself, at most once per round (requests admitted before the last drop cannot drop
 * it again: they were decided under the old ceiling); each budget met with room to spare raises it
 * by {@link #INCREASE}. The ceiling never goes below {@code --budget-min-keep-ratio}; at 1 it
 * changes nothing. {@code --budget-backoff off} keeps it at 1. Thread-safe.
 */
@Singleton
public final class KeepCeiling {

  /** A first token later than this fraction of its budget counts as a near miss. */
  static final double NEAR_MISS = 0.9;

  /** The ceiling after a (near) miss, as a fraction of the ceiling before. */
  static final double DECREASE = 0.7;

  /** What each budget met with room to spare adds to the ceiling. */
  static final double INCREASE = 0.02;

  private final boolean enabled;
  private final double floor;
  private double ceiling = 1.0;
  private boolean decreased;
  private long lastDecreaseNanos;

  /** From {@code --budget-backoff} and {@code --budget-min-keep-ratio}. */
  @Inject
  public KeepCeiling(ServerConfig config) {
    this(config.budgetBackoff(), config.budgetMinKeepRatio());
  }

  KeepCeiling(boolean enabled, double floor) {
    this.enabled = enabled;
    this.floor = floor;
  }

  /** The largest keep ratio a time budget may choose now. */
  public synchronized double ceiling() {
    return ceiling;
  }

  /**
   * A time-budgeted request's first token arrived (or it ended without one: {@code ttftMillis}
   * infinite).
   *
   * @param admittedNanos when the request was admitted ({@link System#nanoTime})
   * @param ttftMillis its time to first token
   * @param budgetMillis its budget
   */
  public synchronized void observe(long admittedNanos, double ttftMillis, double budgetMillis) {
    if (!enabled) {
      return;
    }
    if (ttftMillis > NEAR_MISS * budgetMillis) {
      if (!decreased || admittedNanos - lastDecreaseNanos > 0) {
        ceiling = Math.max(floor, ceiling * DECREASE);
        decreased = true;
        lastDecreaseNanos = System.nanoTime();
      }
    } else {
      ceiling = Math.min(1.0, ceiling + INCREASE);
    }
  }
}
