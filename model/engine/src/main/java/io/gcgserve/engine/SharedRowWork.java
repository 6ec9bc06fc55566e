package io.gcgserve.engine;

import io.gcgserve.model.RowWork;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The engine thread's {@link RowWork} when there is a prefill lane: a decode step's per-row tasks
 * (mask decodes and glances) go on a board that the lane, while it has no prefill to run, takes
 * tasks from. The engine thread takes them too, from the same board, so it never waits for a task
 * nobody started: at worst for the one the lane is finishing. Without an idle lane every task runs
 * on the engine thread, as with {@link RowWork#CALLER}. The lane looks at the board only between
 * prefills, so a prefill never waits for more than the one task the lane took before it came.
 */
final class SharedRowWork implements RowWork {

  private final Runnable wakeHelper;
  private volatile @Nullable Board board;

  /** {@code wakeHelper} tells the lane that tasks are on the board; it must not block. */
  SharedRowWork(Runnable wakeHelper) {
    this.wakeHelper = wakeHelper;
  }

  @Override
  public void runAll(List<Runnable> tasks) {
    if (tasks.size() < 2) {
      tasks.forEach(Runnable::run);
      return;
    }
    Board posted = new Board(tasks);
    board = posted;
    wakeHelper.run();
    posted.work();
    board = null;
    posted.awaitAll();
    posted.rethrow();
  }

  /** Whether a step's tasks wait on the board; the lane's thread. */
  boolean wanted() {
    Board posted = board;
    return posted != null && posted.unclaimed();
  }

  /**
   * Runs one task from the board, if one is left; the lane's thread, which looks at its queue
   * between two tasks.
   */
  void help() {
    Board posted = board;
    if (posted != null) {
      posted.runOne();
    }
  }

  /** One step's tasks: each claimed once, by whichever thread gets to it first. */
  private static final class Board {
    private final List<Runnable> tasks;
    private final AtomicInteger next = new AtomicInteger();
    // guarded by this
    private int unfinished;
    private @Nullable Throwable failure;

    Board(List<Runnable> tasks) {
      this.tasks = List.copyOf(tasks);
      this.unfinished = tasks.size();
    }

    boolean unclaimed() {
      return next.get() < tasks.size();
    }

    /** Runs tasks until none is left to claim. */
    void work() {
      while (runOne()) {
        // the next
      }
    }

    /** Claims and runs one task; false when none was left. */
    boolean runOne() {
      int i = next.getAndIncrement();
      if (i >= tasks.size()) {
        return false;
      }
      Throwable thrown = null;
      try {
        tasks.get(i).run();
      } catch (RuntimeException | Error e) {
        thrown = e;
      }
      finished(thrown);
      return true;
    }

    private synchronized void finished(@Nullable Throwable thrown) {
      if (thrown != null && failure == null) {
        failure = thrown;
      }
      if (--unfinished == 0) {
        notifyAll();
      }
    }

    /** Returns once every task has run: the caller has run out of tasks to claim. */
    synchronized void awaitAll() {
      boolean interrupted = false;
      while (unfinished > 0) {
        try {
          wait();
        } catch (InterruptedException e) {
          // a task the lane runs is short and its arrays are the step's: wait for it regardless
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    synchronized void rethrow() {
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
    }
  }
}
