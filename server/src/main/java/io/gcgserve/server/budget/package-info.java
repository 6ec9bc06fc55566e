/**
 * Budget-aware serving: a request's FLOPs, visual-token or time-to-first-token budget (or the
 * server's {@code --ttft-slo-ms}) sets how hard its pruner prunes. {@link
 * io.gcgserve.server.budget.BudgetController} decides; {@link io.gcgserve.pruners.flops.KeepSearch}
 * finds the exact keep setting for FLOPs and token budgets; {@link
 * io.gcgserve.server.budget.CostModel} and {@link io.gcgserve.server.budget.WorkAhead} predict time
 * to first token; {@link io.gcgserve.server.budget.LoadCeiling} (the arrival rate) and {@link
 * io.gcgserve.server.budget.KeepCeiling} (misses) cap time budgets' keep ratio under load; {@link
 * io.gcgserve.server.budget.Calibration} seeds the cost model at start-up. See server/README.md,
 * "Budgets".
 */
@NullMarked
package io.gcgserve.server.budget;

import org.jspecify.annotations.NullMarked;
