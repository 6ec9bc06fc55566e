package io.gcgserve.model.train;

/**
 * Deterministic training data: example {@code index} is always the same, so that a run resumed from
 * a checkpoint sees exactly the data it would have seen.
 */
@FunctionalInterface
public interface ExampleSource {

  /** The example at {@code index} (0-based, unbounded). */
  TrainingExample example(long index);
}
