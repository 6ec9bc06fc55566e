package io.gcgserve.model;

import java.util.List;

/**
 * Where a batched decode step runs the part of its work that is per row (a {@code [SEG]}'s mask
 * decode, an in-phrase token's glance): each task is one row's and touches only that row's session,
 * so the tasks may run in any order and on any thread. A serving engine whose other thread is idle
 * may lend it; {@link #CALLER} runs everything on the thread that steps.
 */
@FunctionalInterface
public interface RowWork {

  /** Every task on the calling thread, in order. */
  RowWork CALLER = tasks -> tasks.forEach(Runnable::run);

  /**
   * Runs every task exactly once and returns when all have run.
   *
   * @throws RuntimeException or {@link Error}: the first a task threw, after every task ran or was
   *     abandoned
   */
  void runAll(List<Runnable> tasks);
}
