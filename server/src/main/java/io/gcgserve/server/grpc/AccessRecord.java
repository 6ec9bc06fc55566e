package io.gcgserve.server.grpc;

import static java.util.Objects.requireNonNull;

import io.gcgserve.model.FinishReason;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.proto.v1.Mask;
import io.gcgserve.server.accesslog.AccessLogEntry;
import io.gcgserve.server.budget.BudgetController;
import io.gcgserve.server.budget.BudgetLimit;
import io.gcgserve.server.budget.BudgetMetrics;
import io.gcgserve.server.experiment.Experiments;
import io.gcgserve.server.metrics.RequestLabels;
import io.gcgserve.server.metrics.ServingMetrics;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What one Caption call did, gathered as it goes, for its metric labels and its access log line.
 * The service fills in the request's side (pruner, arm, image) before the call reaches the engine;
 * the engine thread fills in the rest; the line is built once, when the call ends, whatever its
 * status. Publication between the two threads rides on the engine's submission.
 */
final class AccessRecord {

  private final CallMetadata call;
  private final long admittedNanos;
  private final boolean withCaptions;
  private String pruner = ServingMetrics.UNKNOWN_PRUNER;
  private Map<String, String> parameters = Map.of();
  private Experiments.@Nullable Choice choice;
  private @Nullable String imageSha256;
  private @Nullable PrefillReport prefill;
  private @Nullable Double queueMs;
  private @Nullable Double prefillMs;
  private @Nullable Double decodeMs;
  private @Nullable Double ttftMs;
  private int tokens;
  private int phrases;
  private @Nullable FinishReason finishReason;
  private @Nullable BudgetLimit budgetLimit;
  private BudgetController.@Nullable Decision budgetDecision;
  private @Nullable String budgetOutcome;
  private final StringBuilder caption = new StringBuilder();
  private final List<AccessLogEntry.PhraseMask> masks = new ArrayList<>();

  AccessRecord(CallMetadata call, long admittedNanos, boolean withCaptions) {
    this.call = requireNonNull(call, "call is null");
    this.admittedNanos = admittedNanos;
    this.withCaptions = withCaptions;
  }

  String requestId() {
    return call.requestId();
  }

  Experiments.@Nullable Choice choice() {
    return choice;
  }

  /** The arm an experiment chose; also sent in the response headers. */
  void assigned(Experiments.Choice chosen) {
    this.choice = chosen;
    call.assigned(chosen.experiment().name(), chosen.arm().name());
  }

  /** The pruner that will run (a registered name, or {@code unknown}). */
  void pruner(String name, Map<String, String> prunerParameters) {
    this.pruner = name;
    this.parameters = Map.copyOf(prunerParameters);
  }

  String pruner() {
    return pruner;
  }

  /** The metric labels: pruner, and the experiment and arm when one chose it. */
  RequestLabels labels() {
    Experiments.Choice chosen = choice;
    return chosen == null
        ? RequestLabels.of(pruner)
        : new RequestLabels(pruner, chosen.experiment().name(), chosen.arm().name());
  }

  /** Hashes the image bytes, by which the report matches requests to ground truth. */
  void image(byte[] bytes) {
    try {
      imageSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  void prefill(PrefillReport report) {
    this.prefill = report;
  }

  void token(String text) {
    tokens++;
    if (withCaptions) {
      caption.append(text);
    }
  }

  void phrase(String phrase, Mask mask) {
    phrases++;
    if (withCaptions) {
      masks.add(new AccessLogEntry.PhraseMask(phrase, mask.getSizeList(), mask.getRleCounts()));
    }
  }

  void finished(
      FinishReason reason, int generatedTokens, double queue, double prefillTime, double decode) {
    this.finishReason = reason;
    this.tokens = generatedTokens;
    this.queueMs = queue;
    this.prefillMs = prefillTime;
    this.decodeMs = decode;
  }

  /** The request's budget, once parsed (also for requests it rejects). */
  void budget(BudgetLimit limit) {
    this.budgetLimit = limit;
  }

  /** What the budget chose. */
  void budgetDecision(BudgetController.Decision decision) {
    this.budgetLimit = decision.limit();
    this.budgetDecision = decision;
  }

  /** How the budget went: {@code met}, {@code missed} or {@code rejected}. */
  void budgetOutcome(String outcome) {
    this.budgetOutcome = outcome;
  }

  void firstToken(long nanos) {
    this.ttftMs = (nanos - admittedNanos) / 1e6;
  }

  /** The access log line of this call, ended with {@code statusCode} at {@code endNanos}. */
  AccessLogEntry entry(String statusCode, long endNanos) {
    Experiments.Choice chosen = choice;
    PrefillReport report = prefill;
    return new AccessLogEntry(
        AccessLogEntry.SCHEMA,
        call.requestId(),
        Instant.now().toString(),
        call.peer(),
        chosen == null ? null : chosen.experiment().name(),
        chosen == null ? null : chosen.arm().name(),
        chosen == null ? null : chosen.arm().share(),
        chosen == null ? null : chosen.experiment().arms().indexOf(chosen.arm()),
        chosen == null ? null : chosen.assignment().name().toLowerCase(Locale.ROOT),
        pruner,
        parameters,
        imageSha256,
        report == null ? null : report.visualTokens(),
        report == null ? null : report.visualTokensKept(),
        report == null ? null : report.flopsRatio(),
        queueMs,
        prefillMs,
        decodeMs,
        ttftMs,
        (endNanos - admittedNanos) / 1e6,
        tokens,
        phrases,
        statusCode,
        finishReason == null ? null : finishReason.name(),
        withCaptions && report != null ? caption.toString() : null,
        withCaptions && report != null ? masks : null,
        budgetEntry());
  }

  private AccessLogEntry.@Nullable BudgetEntry budgetEntry() {
    BudgetLimit limit = budgetLimit;
    if (limit == null) {
      return null;
    }
    BudgetController.Decision decision = budgetDecision;
    return new AccessLogEntry.BudgetEntry(
        BudgetMetrics.label(limit.kind()),
        limit.value(),
        limit.rejectOnMiss() ? "reject" : "best_effort",
        decision == null ? null : decision.keepRatio(),
        decision == null ? null : decision.predictedTtftMs(),
        decision == null ? null : decision.predictedQueueMs(),
        decision == null ? null : decision.bestEffort(),
        budgetOutcome);
  }
}
