package io.gcgserve.server.budget;

import io.gcgserve.model.PrefillReport;
import io.gcgserve.proto.v1.BudgetKind;
import io.gcgserve.proto.v1.BudgetOutcome;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One admitted request's place in the cost model: its predicted prefill is work ahead of later
 * requests until its own prefill ends, and what it really took teaches the model. Its callbacks run
 * on the engine's thread, in order.
 */
public final class Admission {

  private final CostModel costs;
  private final KeepCeiling ceiling;
  private final long admittedNanos = System.nanoTime();
  private final WorkAhead.Ticket ticket;
  private final BudgetController.Choice choice;
  private final int occupancy;
  private long startNanos;
  private double serviceMillis = Double.NaN;

  /** Enters {@code choice}'s predicted prefill into {@code work}. */
  public Admission(
      CostModel costs,
      KeepCeiling ceiling,
      WorkAhead work,
      BudgetController.Choice choice,
      int occupancy) {
    this.costs = Objects.requireNonNull(costs, "costs is null");
    this.ceiling = Objects.requireNonNull(ceiling, "ceiling is null");
    this.choice = Objects.requireNonNull(choice, "choice is null");
    this.occupancy = occupancy;
    this.ticket = work.enter(choice.predictedServiceMs());
  }

  /** The budget's decision, or null. */
  public BudgetController.@Nullable Decision decision() {
    return choice.decision();
  }

  /** The request joined the engine's batch. */
  public void started(long nanos) {
    startNanos = nanos;
  }

  /** Its prefill ended: it is no longer work ahead, and its service time is an observation. */
  public void prefilled(long nanos, PrefillReport report) {
    ticket.leave();
    if (startNanos == 0) {
      return;
    }
    serviceMillis = (nanos - startNanos) / 1e6;
    double keepRatio = (double) report.visualTokensKept() / report.visualTokens();
    costs.observeService(choice.prunerName(), keepRatio, serviceMillis);
  }

  /**
   * Its first token went out {@code ttftMillis} after admission: observes the residual, and, under
   * a time budget, tells the keep ceiling how the budget fared.
   */
  public void firstToken(double ttftMillis) {
    BudgetController.Decision decision = choice.decision();
    if (decision != null && decision.limit().onTime()) {
      ceiling.observe(admittedNanos, ttftMillis, decision.limit().value());
    }
    if (!Double.isNaN(serviceMillis)) {
      costs.observeResidual(occupancy, ttftMillis - ticket.aheadMillis() - serviceMillis);
    }
  }

  /** The request ended, whatever its status; idempotent. */
  public void ended() {
    ticket.leave();
  }

  /**
   * Whether the budget was met, from the request's real figures; UNSPECIFIED without a budget.
   *
   * @param ttftMillis the real time to first token (NaN when none was sent)
   */
  public BudgetOutcome outcome(double ttftMillis, @Nullable PrefillReport report) {
    BudgetController.Decision decision = choice.decision();
    if (decision == null) {
      return BudgetOutcome.BUDGET_OUTCOME_UNSPECIFIED;
    }
    BudgetLimit limit = decision.limit();
    boolean met;
    if (limit.kind() == BudgetKind.BUDGET_KIND_FLOPS_RATIO) {
      met = report != null && report.flopsRatio() <= limit.value() + 1e-9;
    } else if (limit.kind() == BudgetKind.BUDGET_KIND_VISUAL_TOKENS) {
      met = report != null && report.visualTokensKept() <= limit.value();
    } else {
      met = ttftMillis <= limit.value();
    }
    return met ? BudgetOutcome.BUDGET_OUTCOME_MET : BudgetOutcome.BUDGET_OUTCOME_MISSED;
  }
}
