package io.gcgserve.server.budget;

import io.gcgserve.proto.v1.BudgetKind;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Locale;
import java.util.Objects;

/**
 * Budget metrics, labelled by {@code kind} ({@code flops_ratio}, {@code visual_tokens}, {@code
 * ttft}, {@code server_ttft_slo}): how budgets went, how far the TTFT prediction was off, and how
 * hard they pruned.
 */
@Singleton
public final class BudgetMetrics {

  private final Counter requests;
  private final Counter bestEffort;
  private final Histogram predictionError;
  private final Histogram keepRatio;

  /** Registers the metrics with {@code registry}. */
  @Inject
  public BudgetMetrics(PrometheusRegistry registry, KeepCeiling ceiling) {
    Objects.requireNonNull(registry, "registry is null");
    Objects.requireNonNull(ceiling, "ceiling is null");
    GaugeWithCallback.builder()
        .name("gcg_budget_keep_ceiling")
        .help(
            "The largest keep ratio TTFT budgets may choose now (--budget-backoff); 1 when they"
                + " are met.")
        .callback(callback -> callback.call(ceiling.ceiling()))
        .register(registry);
    requests =
        Counter.builder()
            .name("gcg_budget_requests_total")
            .help(
                "Requests under a budget by kind and outcome: met, missed (ended without"
                    + " meeting it, or failed), rejected (refused before any work).")
            .labelNames("kind", "outcome")
            .register(registry);
    bestEffort =
        Counter.builder()
            .name("gcg_budget_best_effort_total")
            .help("Budgeted requests for which no keep setting was predicted to fit.")
            .labelNames("kind")
            .register(registry);
    predictionError =
        Histogram.builder()
            .name("gcg_budget_ttft_prediction_error_seconds")
            .help("Actual minus predicted time to first token of budgeted requests.")
            .labelNames("kind")
            .classicOnly()
            .classicUpperBounds(
                -5, -2.5, -1, -0.5, -0.25, -0.1, -0.05, -0.025, -0.01, 0, 0.01, 0.025, 0.05, 0.1,
                0.25, 0.5, 1, 2.5, 5)
            .register(registry);
    keepRatio =
        Histogram.builder()
            .name("gcg_budget_keep_ratio")
            .help("Visual tokens kept at the last layer over the total, as budgets chose.")
            .labelNames("kind")
            .classicOnly()
            .classicUpperBounds(0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1)
            .register(registry);
  }

  /** The label value of {@code kind}. */
  public static String label(BudgetKind kind) {
    return kind.name().substring("BUDGET_KIND_".length()).toLowerCase(Locale.ROOT);
  }

  /** A budget's decision, at admission. */
  public void decided(BudgetController.Decision decision) {
    String kind = label(decision.limit().kind());
    keepRatio.labelValues(kind).observe(decision.keepRatio());
    if (decision.bestEffort()) {
      bestEffort.labelValues(kind).inc();
    }
  }

  /** A budget refused its request. */
  public void rejected(BudgetKind kind) {
    requests.labelValues(label(kind), "rejected").inc();
  }

  /** A budgeted request ended; {@code ttftMillis} NaN when it sent no token. */
  public void ended(BudgetController.Decision decision, boolean met, double ttftMillis) {
    String kind = label(decision.limit().kind());
    requests.labelValues(kind, met ? "met" : "missed").inc();
    if (!Double.isNaN(ttftMillis)) {
      predictionError.labelValues(kind).observe((ttftMillis - decision.predictedTtftMs()) / 1e3);
    }
  }
}
