package io.gcgserve.loadtest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.gcgserve.proto.v1.BudgetDecision;
import io.gcgserve.proto.v1.BudgetOutcome;
import io.gcgserve.proto.v1.Finished;
import io.gcgserve.proto.v1.Started;
import io.gcgserve.proto.v1.Timings;
import org.jspecify.annotations.Nullable;

/**
 * What the server reported about one request in {@code Started} and {@code Finished}; fields of a
 * message that never arrived are absent.
 *
 * @param pruner {@code Started.pruner}
 * @param arm {@code Started.arm}
 * @param experiment {@code Started.experiment}
 * @param requestId {@code Started.request_id}
 * @param visualTokensKept visual tokens at the last layer
 * @param visualTokensTotal visual tokens of the encoder
 * @param flopsRatio prefill FLOPs over the unpruned prefill
 * @param queueMs {@code Timings.queue_wait_ms}
 * @param prefillMs {@code Timings.prefill_ms}
 * @param decodeMs {@code Timings.decode_ms}
 * @param ttftMs {@code Timings.ttft_ms} (from admission)
 * @param totalMs {@code Timings.total_ms}
 * @param generatedTokens {@code Finished.generated_tokens}
 * @param budgetKind the budget's kind in {@code Started.budget}
 * @param budgetKeepRatio the keep ratio the budget chose
 * @param budgetPredictedTtftMs the TTFT the server predicted for it
 * @param budgetDecision {@code PLANNED} or {@code BEST_EFFORT}
 * @param budgetOutcome {@code Finished.budget_outcome}: {@code MET} or {@code MISSED}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ServerFigures(
    @JsonProperty("pruner") @Nullable String pruner,
    @JsonProperty("arm") @Nullable String arm,
    @JsonProperty("experiment") @Nullable String experiment,
    @JsonProperty("request_id") @Nullable String requestId,
    @JsonProperty("visual_tokens_kept") @Nullable Integer visualTokensKept,
    @JsonProperty("visual_tokens_total") @Nullable Integer visualTokensTotal,
    @JsonProperty("flops_ratio") @Nullable Double flopsRatio,
    @JsonProperty("queue_ms") @Nullable Double queueMs,
    @JsonProperty("prefill_ms") @Nullable Double prefillMs,
    @JsonProperty("decode_ms") @Nullable Double decodeMs,
    @JsonProperty("ttft_ms") @Nullable Double ttftMs,
    @JsonProperty("total_ms") @Nullable Double totalMs,
    @JsonProperty("generated_tokens") @Nullable Integer generatedTokens,
    @JsonProperty("budget_kind") @Nullable String budgetKind,
    @JsonProperty("budget_keep_ratio") @Nullable Double budgetKeepRatio,
    @JsonProperty("budget_predicted_ttft_ms") @Nullable Double budgetPredictedTtftMs,
    @JsonProperty("budget_decision") @Nullable String budgetDecision,
    @JsonProperty("budget_outcome") @Nullable String budgetOutcome) {

  /** From the two messages, either of which may be missing. */
  static ServerFigures of(@Nullable Started started, @Nullable Finished finished) {
    BudgetDecision budget = started != null && started.hasBudget() ? started.getBudget() : null;
    Timings timings = finished != null && finished.hasTimings() ? finished.getTimings() : null;
    String outcome =
        finished == null || finished.getBudgetOutcome() == BudgetOutcome.BUDGET_OUTCOME_UNSPECIFIED
            ? null
            : outcomeName(finished.getBudgetOutcome());
    return new ServerFigures(
        started == null ? null : started.getPruner(),
        started == null ? null : started.getArm(),
        started == null || started.getExperiment().isEmpty() ? null : started.getExperiment(),
        started == null ? null : started.getRequestId(),
        started == null ? null : started.getVisualTokensKept(),
        started == null ? null : started.getVisualTokensTotal(),
        started == null ? null : started.getFlopsRatio(),
        timings == null ? null : timings.getQueueWaitMs(),
        timings == null ? null : timings.getPrefillMs(),
        timings == null ? null : timings.getDecodeMs(),
        timings == null ? null : timings.getTtftMs(),
        timings == null ? null : timings.getTotalMs(),
        finished == null ? null : finished.getGeneratedTokens(),
        budget == null ? null : budget.getKind().name().replace("BUDGET_KIND_", ""),
        budget == null ? null : budget.getKeepRatio(),
        budget == null ? null : budget.getPredictedTtftMs(),
        budget == null ? null : outcomeName(budget.getOutcome()),
        outcome);
  }

  private static String outcomeName(BudgetOutcome outcome) {
    return outcome.name().replace("BUDGET_OUTCOME_", "");
  }

  /** Kept over total visual tokens, null before Started. */
  @Nullable Double keepRatio() {
    if (visualTokensKept == null || visualTokensTotal == null || visualTokensTotal == 0) {
      return null;
    }
    return visualTokensKept / (double) visualTokensTotal;
  }
}
