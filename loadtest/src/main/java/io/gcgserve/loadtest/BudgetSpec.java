package io.gcgserve.loadtest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.gcgserve.proto.v1.Budget;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A request budget of the mix: exactly one limit, and what the server should do when it cannot be
 * met. The server answers {@code UNIMPLEMENTED} until budgets land; the load tester sends them
 * anyway and counts that status like any other error.
 *
 * @param maxFlopsRatio prefill FLOPs over the unpruned prefill, in (0, 1]
 * @param maxVisualTokens visual tokens at the last layer, at least 1
 * @param maxTtftMs time to first token in milliseconds, &gt; 0
 * @param onMiss {@code best_effort} (default) or {@code reject}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BudgetSpec(
    @JsonProperty("max_flops_ratio") @Nullable Double maxFlopsRatio,
    @JsonProperty("max_visual_tokens") @Nullable Integer maxVisualTokens,
    @JsonProperty("max_ttft_ms") @Nullable Double maxTtftMs,
    @JsonProperty("on_miss") @Nullable String onMiss) {

  /** Checks that exactly one limit is set and in range. */
  public BudgetSpec {
    int set =
        (maxFlopsRatio == null ? 0 : 1)
            + (maxVisualTokens == null ? 0 : 1)
            + (maxTtftMs == null ? 0 : 1);
    if (set != 1) {
      throw new IllegalArgumentException(
          "a budget sets exactly one of max_flops_ratio, max_visual_tokens, max_ttft_ms; got "
              + set);
    }
    if (maxFlopsRatio != null && !(maxFlopsRatio > 0 && maxFlopsRatio <= 1)) {
      throw new IllegalArgumentException("max_flops_ratio must be in (0, 1], got " + maxFlopsRatio);
    }
    if (maxVisualTokens != null && maxVisualTokens < 1) {
      throw new IllegalArgumentException("max_visual_tokens must be >= 1, got " + maxVisualTokens);
    }
    if (maxTtftMs != null && !(maxTtftMs > 0)) {
      throw new IllegalArgumentException("max_ttft_ms must be > 0, got " + maxTtftMs);
    }
    if (onMiss != null && !onMiss.equals("best_effort") && !onMiss.equals("reject")) {
      throw new IllegalArgumentException(
          "on_miss must be best_effort or reject, got '" + onMiss + "'");
    }
  }

  /**
   * Parses the flag form: {@code flops=0.4}, {@code tokens=58}, {@code ttft=400ms}, optionally
   * followed by {@code /reject}.
   */
  static BudgetSpec parse(String text) {
    String body = text;
    String onMiss = null;
    if (body.endsWith("/reject")) {
      onMiss = "reject";
      body = body.substring(0, body.length() - "/reject".length());
    }
    int equals = body.indexOf('=');
    if (equals < 0) {
      throw new IllegalArgumentException(
          "budget '" + text + "': write flops=0.4, tokens=58 or ttft=400ms (optionally /reject)");
    }
    String kind = body.substring(0, equals).trim();
    String value = body.substring(equals + 1).trim();
    return switch (kind) {
      case "flops" -> new BudgetSpec(Double.parseDouble(value), null, null, onMiss);
      case "tokens" -> new BudgetSpec(null, Integer.parseInt(value), null, onMiss);
      case "ttft" -> new BudgetSpec(null, null, DurationText.millis(value), onMiss);
      default ->
          throw new IllegalArgumentException(
              "budget '" + text + "': the kind is flops, tokens or ttft, not '" + kind + "'");
    };
  }

  /** The tier label figures are broken down by, e.g. {@code ttft<=400ms}. */
  String tier() {
    String limit;
    if (maxFlopsRatio != null) {
      limit = "flops<=" + trim(maxFlopsRatio);
    } else if (maxVisualTokens != null) {
      limit = "tokens<=" + maxVisualTokens;
    } else {
      limit = "ttft<=" + trim(maxTtftMs == null ? 0 : maxTtftMs) + "ms";
    }
    return "reject".equals(onMiss) ? limit + "/reject" : limit;
  }

  private static String trim(double value) {
    return value == Math.rint(value)
        ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%s", value);
  }

  /** The proto message. */
  Budget toProto() {
    Budget.Builder budget = Budget.newBuilder();
    if (maxFlopsRatio != null) {
      budget.setMaxFlopsRatio(maxFlopsRatio);
    } else if (maxVisualTokens != null) {
      budget.setMaxVisualTokens(maxVisualTokens);
    } else if (maxTtftMs != null) {
      budget.setMaxTtftMs(maxTtftMs);
    }
    budget.setOnMiss(
        "reject".equals(onMiss) ? Budget.OnMiss.ON_MISS_REJECT : Budget.OnMiss.ON_MISS_BEST_EFFORT);
    return budget.build();
  }
}
