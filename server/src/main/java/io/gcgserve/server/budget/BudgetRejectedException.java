package io.gcgserve.server.budget;

import io.gcgserve.proto.v1.BudgetKind;
import org.jspecify.annotations.Nullable;

/**
 * A budget the server refuses: a contradictory or impossible request (INVALID_ARGUMENT), or a time
 * budget nothing is predicted to meet under {@code on_miss = REJECT} (RESOURCE_EXHAUSTED). The
 * message is written for the client.
 */
public final class BudgetRejectedException extends RuntimeException {

  private final boolean resourceExhausted;
  private final @Nullable BudgetKind rejectedKind;

  private BudgetRejectedException(
      String message, boolean resourceExhausted, @Nullable BudgetKind rejectedKind) {
    super(message);
    this.resourceExhausted = resourceExhausted;
    this.rejectedKind = rejectedKind;
  }

  /** INVALID_ARGUMENT: the request contradicts itself or names a bad value. */
  public static BudgetRejectedException invalid(String message) {
    return new BudgetRejectedException(message, false, null);
  }

  /** INVALID_ARGUMENT under {@code on_miss = REJECT}: no setting can meet a FLOPs budget. */
  public static BudgetRejectedException impossible(BudgetKind kind, String message) {
    return new BudgetRejectedException(message, false, kind);
  }

  /** RESOURCE_EXHAUSTED under {@code on_miss = REJECT}: the server is too busy to meet it now. */
  public static BudgetRejectedException unmeetable(BudgetKind kind, String message) {
    return new BudgetRejectedException(message, true, kind);
  }

  /** True for RESOURCE_EXHAUSTED, false for INVALID_ARGUMENT. */
  public boolean resourceExhausted() {
    return resourceExhausted;
  }

  /** The kind of budget whose on_miss = REJECT refused the request; null for bad requests. */
  public @Nullable BudgetKind rejectedKind() {
    return rejectedKind;
  }
}
