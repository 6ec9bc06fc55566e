package io.gcgserve.server.budget;

import io.gcgserve.proto.v1.Budget;
import io.gcgserve.proto.v1.BudgetKind;
import org.jspecify.annotations.Nullable;

/**
 * One budget: what it limits, the limit, and whether a miss refuses the request.
 *
 * @param kind what is limited
 * @param value the ratio, the token count or the milliseconds
 * @param rejectOnMiss refuse when nothing is predicted to fit ({@code on_miss = REJECT})
 */
public record BudgetLimit(BudgetKind kind, double value, boolean rejectOnMiss) {

  /**
   * The request's budget, or null when it sets none.
   *
   * @throws BudgetRejectedException naming the field when a value is out of range
   */
  public static @Nullable BudgetLimit of(Budget budget) {
    boolean reject = budget.getOnMiss() == Budget.OnMiss.ON_MISS_REJECT;
    if (budget.getOnMiss() == Budget.OnMiss.UNRECOGNIZED) {
      throw BudgetRejectedException.invalid(
          "budget.on_miss " + budget.getOnMissValue() + " is unknown; use BEST_EFFORT or REJECT");
    }
    switch (budget.getLimitCase()) {
      case MAX_FLOPS_RATIO -> {
        double ratio = budget.getMaxFlopsRatio();
        if (!(ratio > 0 && ratio <= 1)) {
          throw BudgetRejectedException.invalid(
              "budget.max_flops_ratio must be in (0, 1] (prefill FLOPs over unpruned), got "
                  + ratio);
        }
        return new BudgetLimit(BudgetKind.BUDGET_KIND_FLOPS_RATIO, ratio, reject);
      }
      case MAX_VISUAL_TOKENS -> {
        int tokens = budget.getMaxVisualTokens();
        if (tokens < 1) {
          throw BudgetRejectedException.invalid(
              "budget.max_visual_tokens must be at least 1, got " + tokens);
        }
        return new BudgetLimit(BudgetKind.BUDGET_KIND_VISUAL_TOKENS, tokens, reject);
      }
      case MAX_TTFT_MS -> {
        double millis = budget.getMaxTtftMs();
        if (!(millis > 0) || Double.isInfinite(millis)) {
          throw BudgetRejectedException.invalid(
              "budget.max_ttft_ms must be a positive number of milliseconds, got " + millis);
        }
        return new BudgetLimit(BudgetKind.BUDGET_KIND_TTFT, millis, reject);
      }
      default -> {
        if (reject) {
          throw BudgetRejectedException.invalid(
              "budget sets on_miss but no limit; set one of max_flops_ratio, max_visual_tokens"
                  + " or max_ttft_ms, or leave budget unset");
        }
        return null;
      }
    }
  }

  /** The field that set it, for messages. */
  public String field() {
    return switch (kind) {
      case BUDGET_KIND_FLOPS_RATIO -> "budget.max_flops_ratio";
      case BUDGET_KIND_VISUAL_TOKENS -> "budget.max_visual_tokens";
      case BUDGET_KIND_TTFT -> "budget.max_ttft_ms";
      default -> "--ttft-slo-ms";
    };
  }

  /** Whether the limit is on time to first token (the request's or the server's). */
  public boolean onTime() {
    return kind == BudgetKind.BUDGET_KIND_TTFT || kind == BudgetKind.BUDGET_KIND_SERVER_TTFT_SLO;
  }

  /** The value as the message prints it. */
  String text() {
    return kind == BudgetKind.BUDGET_KIND_VISUAL_TOKENS
        ? Integer.toString((int) value)
        : onTime() ? fmt(value) + " ms" : fmt(value);
  }

  static String fmt(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e9
        ? Long.toString((long) value)
        : new java.math.BigDecimal(String.format(java.util.Locale.ROOT, "%.4g", value))
            .stripTrailingZeros()
            .toPlainString();
  }
}
