package io.gcgserve.server.budget;

import io.gcgserve.server.config.ServerConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayDeque;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongSupplier;

/**
 * The leading half of the time-budget policy: a ceiling on the keep ratio from the arrival rate.
 * Each budget's own prediction sees only the work already queued, so while the queue happens to be
 * short it takes a large keep, and the prefills it adds are the queue that later requests find
 * (under a steady load the choices swing between little pruning and best effort). This ceiling
 * looks at the load instead: with {@code λ} the requests that arrived per second over the last
 * {@value #WINDOW_SECONDS} s and {@code S(keep)} the cost model's predicted prefill service, it is
 * the largest keep ratio whose offered prefill load {@code λ · S(keep)} (seconds of prefill per
 * second, as if every arriving request prefilled like this one) stays within {@code
 * --budget-max-load}; the cheapest setting when none does. Thread-safe.
 */
@Singleton
public final class LoadCeiling {

  /** Arrivals older than this no longer count towards the rate, s. */
  static final double WINDOW_SECONDS = 4;

  /** Keep ratios tried, as in the cost model's buckets: 1, 0.95, ..., 0.05. */
  private static final int STEPS = CostModel.BUCKETS;

  private static final long WINDOW_NANOS = (long) (WINDOW_SECONDS * 1e9);

  private final double maxLoad;
  private final LongSupplier clock;
  private final ArrayDeque<Long> arrivals = new ArrayDeque<>();

  /** From {@code --budget-max-load}. */
  @Inject
  public LoadCeiling(ServerConfig config) {
    this(config.budgetMaxLoad(), System::nanoTime);
  }

  /**
   * @param maxLoad the most offered prefill load, in seconds of prefill per second; 0 = no ceiling
   * @param clock nanoseconds, as {@link System#nanoTime}
   */
  LoadCeiling(double maxLoad, LongSupplier clock) {
    if (!(maxLoad >= 0)) {
      throw new IllegalArgumentException("maxLoad must be >= 0, got " + maxLoad);
    }
    this.maxLoad = maxLoad;
    this.clock = clock;
  }

  /** Whether a ceiling applies at all. */
  public boolean enabled() {
    return maxLoad > 0;
  }

  /** A request arrived (every request counts, with a budget or not). */
  public synchronized void arrived() {
    long now = clock.getAsLong();
    arrivals.addLast(now);
    forget(now);
  }

  /** Requests that arrived per second over the last window. */
  public synchronized double arrivalRate() {
    forget(clock.getAsLong());
    return arrivals.size() / WINDOW_SECONDS;
  }

  /**
   * The largest keep ratio (a multiple of 1/{@value #STEPS}) whose offered load fits, 1 when there
   * is no ceiling or nothing arrived lately, and 0 when not even the smallest fits.
   *
   * @param serviceMillis predicted prefill service at a keep ratio, ms, non-decreasing
   */
  public double ceiling(DoubleUnaryOperator serviceMillis) {
    if (!enabled()) {
      return 1.0;
    }
    double rate = arrivalRate();
    for (int step = STEPS; step >= 1; step--) {
      double keep = (double) step / STEPS;
      if (rate * serviceMillis.applyAsDouble(keep) / 1e3 <= maxLoad) {
        return keep;
      }
    }
    return 0;
  }

  private void forget(long now) {
    while (!arrivals.isEmpty() && now - arrivals.peekFirst() > WINDOW_NANOS) {
      arrivals.removeFirst();
    }
  }
}
