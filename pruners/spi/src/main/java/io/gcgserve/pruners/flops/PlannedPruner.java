package io.gcgserve.pruners.flops;

import io.gcgserve.pruners.TokenPruner;

/**
 * A {@link TokenPruner} whose keep counts are fixed when it is created (all built-ins), so its
 * FLOPs can be predicted with {@link Flops#predictRatio} before the prefill runs.
 */
public interface PlannedPruner extends TokenPruner {

  /** The layers and keep counts this pruner will apply, assuming every visual token is live. */
  PrunePlan plan();
}
