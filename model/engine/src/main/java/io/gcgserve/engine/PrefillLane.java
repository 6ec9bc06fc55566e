package io.gcgserve.engine;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * The {@link Engine}'s second thread ({@link EngineLimits#prefillLane}): it runs one prefill chunk
 * at a time while the engine thread does other work, so that on a machine with two cores or more
 * prefill and decode steps each have one. Created with the engine, closed when its thread ends.
 */
final class PrefillLane implements AutoCloseable {

  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          task -> {
            Thread thread = new Thread(task, "gcg-prefill");
            thread.setDaemon(true);
            return thread;
          });

  private final Runnable onChunkDone;
  private volatile boolean working;

  /** A lane that runs {@code onChunkDone} (on its thread) each time a chunk returns. */
  PrefillLane(Runnable onChunkDone) {
    this.onChunkDone = onChunkDone;
  }

  /**
   * Runs {@code chunk} on the lane while the calling thread takes turns of other work: before each,
   * {@code keepGoing} (false: stop taking turns and only wait for the chunk); then {@code turn}
   * (false when there was nothing to do, and then {@code idle}, which waits until woken, as {@code
   * onChunkDone} does, or a short while).
   *
   * @return the chunk's outcomes
   * @throws Error what the chunk threw that was an Error (its pieces catch their own failures)
   * @throws IllegalStateException wrapping anything else the chunk threw
   */
  List<PrefillChunk.Outcome> run(
      Callable<List<PrefillChunk.Outcome>> chunk,
      BooleanSupplier keepGoing,
      BooleanSupplier turn,
      Runnable idle) {
    working = true;
    Future<List<PrefillChunk.Outcome>> work =
        executor.submit(
            () -> {
              try {
                return chunk.call();
              } finally {
                working = false;
                onChunkDone.run();
              }
            });
    while (!work.isDone() && keepGoing.getAsBoolean()) {
      // the chunk's end wakes idle(); checked after the turn so that a wake is not missed
      if (!turn.getAsBoolean() && !work.isDone()) {
        idle.run();
      }
    }
    return await(work);
  }

  /** Whether the chunk of the current {@link #run} has not returned yet. */
  boolean working() {
    return working;
  }

  /** The chunk's outcomes, once it returned; waits through interrupts, which it keeps. */
  private static List<PrefillChunk.Outcome> await(Future<List<PrefillChunk.Outcome>> work) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return work.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof Error error) {
            throw error;
          }
          throw new IllegalStateException("the prefill lane failed", cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the lane's thread; a chunk still running (there is none between runs) is interrupted. */
  @Override
  public void close() {
    executor.shutdownNow();
  }
}
