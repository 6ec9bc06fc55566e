package io.gcgserve.server.budget;

import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Predicts a request's time to first token as {@code work ahead + residual(occupancy) +
 * service(pruner, keep ratio)}:
 *
 * <ul>
 *   <li><b>service</b>: the time from joining the engine's batch to the end of its own prefill, per
 *       pruner and keep-ratio bucket ({@value #BUCKETS} buckets over (0, 1]); an exponentially
 *       weighted mean of what real requests took (weight {@value #ALPHA} for the newest). A bucket
 *       not seen yet is predicted by the line {@code a + b·keep} fitted to the start-up
 *       calibration, scaled by how real requests compared with that line so far (a moving mean of
 *       observed over line), so a calibration taken on a busier or quieter machine does not linger.
 *       Made non-decreasing in the keep ratio (a running maximum over the buckets), so "the largest
 *       keep setting that fits" is well defined however noisy the buckets are. Under load this
 *       includes waits behind earlier prefills, which work ahead counts too; deliberately, since
 *       the inflation is the model's load signal: observing only the time the request's own pieces
 *       ran ({@link io.gcgserve.model.PrefillReport#prefillMillis}) made budgeted requests meet the
 *       budget far less often (docs/budgets/budgets.md, 2026-12-03).
 *   <li><b>work ahead</b>: the predicted service of every request admitted before this one that has
 *       not finished its prefill ({@link WorkAhead}); the engine prefills oldest first.
 *   <li><b>residual</b>: what the two miss, learned per occupancy (requests running and waiting in
 *       the engine at admission): waiting for a place in a full batch, decode steps between prefill
 *       chunks, image decoding, the first token's delivery. An exponentially weighted mean of
 *       {@code actual TTFT − (work ahead + predicted service)}; 0 until observed, then the nearest
 *       lower occupancy's value for occupancies not yet seen.
 * </ul>
 *
 * Thread-safe: every method is synchronized (cheap: arrays of {@value #BUCKETS} doubles).
 */
@Singleton
public final class CostModel {

  /** Keep-ratio buckets over (0, 1]. */
  static final int BUCKETS = 20;

  /** Weight of the newest observation in the moving means. */
  static final double ALPHA = 0.2;

  /** Occupancies tracked separately; larger ones share the last. */
  static final int MAX_OCCUPANCY = 64;

  private final Map<String, Curve> curves = new HashMap<>();
  private final double[] residual = new double[MAX_OCCUPANCY + 1];
  private final boolean[] residualSeen = new boolean[MAX_OCCUPANCY + 1];
  private final double[] deviation = new double[MAX_OCCUPANCY + 1];

  /** An empty model; {@link #calibrate} seeds it. */
  public CostModel() {}

  /**
   * Seeds {@code pruner}'s curve with the least-squares line through calibration points (keep
   * ratio, service ms); one point gives a flat line. Observations already made are kept.
   */
  public synchronized void calibrate(String pruner, double[] keepRatios, double[] serviceMillis) {
    if (keepRatios.length != serviceMillis.length || keepRatios.length == 0) {
      throw new IllegalArgumentException("need matching, non-empty calibration points");
    }
    int n = keepRatios.length;
    double meanX = 0;
    double meanY = 0;
    for (int i = 0; i < n; i++) {
      meanX += keepRatios[i] / n;
      meanY += serviceMillis[i] / n;
    }
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < n; i++) {
      sxy += (keepRatios[i] - meanX) * (serviceMillis[i] - meanY);
      sxx += (keepRatios[i] - meanX) * (keepRatios[i] - meanX);
    }
    double slope = sxx == 0 ? 0 : Math.max(0, sxy / sxx);
    curve(pruner).prior(meanY - slope * meanX, slope);
  }

  /** Whether {@code pruner} has a calibration or an observation to predict from. */
  public synchronized boolean knows(String pruner) {
    return curves.containsKey(pruner);
  }

  /** Records that a request of {@code pruner} at {@code keepRatio} took {@code serviceMillis}. */
  public synchronized void observeService(String pruner, double keepRatio, double serviceMillis) {
    if (!(serviceMillis >= 0) || Double.isInfinite(serviceMillis)) {
      return;
    }
    curve(pruner).observe(bucket(keepRatio), serviceMillis);
  }

  /**
   * Predicted service of {@code pruner} at {@code keepRatio}, ms; {@code fallback}'s curve when
   * {@code pruner} has none (a plugin never calibrated), 0 when neither has.
   */
  public synchronized double predictService(String pruner, String fallback, double keepRatio) {
    Curve curve = curves.get(pruner);
    if (curve == null) {
      curve = curves.get(fallback);
    }
    return curve == null ? 0 : curve.predict(bucket(keepRatio));
  }

  /** Records the residual of one request admitted at {@code occupancy}. */
  public synchronized void observeResidual(int occupancy, double residualMillis) {
    if (Double.isNaN(residualMillis) || Double.isInfinite(residualMillis)) {
      return;
    }
    int slot = slot(occupancy);
    if (residualSeen[slot]) {
      deviation[slot] += ALPHA * (Math.abs(residualMillis - residual[slot]) - deviation[slot]);
      residual[slot] += ALPHA * (residualMillis - residual[slot]);
    } else {
      residual[slot] = residualMillis;
    }
    residualSeen[slot] = true;
  }

  /**
   * How far residuals at {@code occupancy} stray from their mean: a moving mean of the absolute
   * deviation, ms; borrowed from below like {@link #predictResidual}. The controller keeps this
   * much headroom, so a budget is planned to be met by most requests, not by half of them.
   */
  public synchronized double residualDeviation(int occupancy) {
    for (int slot = slot(occupancy); slot >= 0; slot--) {
      if (residualSeen[slot]) {
        return deviation[slot];
      }
    }
    return 0;
  }

  /** The residual to expect at {@code occupancy}, ms (see the class comment). */
  public synchronized double predictResidual(int occupancy) {
    for (int slot = slot(occupancy); slot >= 0; slot--) {
      if (residualSeen[slot]) {
        return residual[slot];
      }
    }
    return 0;
  }

  /** The bucket of a keep ratio in (0, 1]; ratios outside are clamped. */
  static int bucket(double keepRatio) {
    int bucket = (int) Math.ceil(keepRatio * BUCKETS) - 1;
    return Math.max(0, Math.min(BUCKETS - 1, bucket));
  }

  private static int slot(int occupancy) {
    return Math.max(0, Math.min(MAX_OCCUPANCY, occupancy));
  }

  private Curve curve(String pruner) {
    return curves.computeIfAbsent(
        Objects.requireNonNull(pruner, "pruner is null"), p -> new Curve());
  }

  /** One pruner's service time per keep bucket. */
  private static final class Curve {
    private double intercept;
    private double slope;
    private double correction = 1;
    private boolean corrected;
    private final double[] mean = new double[BUCKETS];
    private final boolean[] seen = new boolean[BUCKETS];

    void prior(double intercept, double slope) {
      this.intercept = intercept;
      this.slope = slope;
    }

    void observe(int bucket, double millis) {
      mean[bucket] = seen[bucket] ? mean[bucket] + ALPHA * (millis - mean[bucket]) : millis;
      seen[bucket] = true;
      double line = line(bucket);
      if (line > 0) {
        double ratio = millis / line;
        correction = corrected ? correction + ALPHA * (ratio - correction) : ratio;
        corrected = true;
      }
    }

    private double line(int bucket) {
      return intercept + slope * (bucket + 1.0) / BUCKETS;
    }

    double predict(int bucket) {
      double running = 0;
      for (int b = 0; b <= bucket; b++) {
        double value = seen[b] ? mean[b] : line(b) * correction;
        running = Math.max(running, value);
      }
      return running;
    }
  }
}
