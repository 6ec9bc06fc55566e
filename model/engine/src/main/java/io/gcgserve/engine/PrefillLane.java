package io.gcgserve.engine;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The {@link Engine}'s second thread ({@link EngineLimits#prefillLane}): it runs one prefill chunk
 * at a time while the engine thread does other work, so that on a machine with two cores or more
 * prefill and decode steps each have one. Created with the engine, closed when its thread ends.
 */
final class PrefillLane implements AutoCloseable {

  /**
   * What the calling thread does while a chunk runs: turns of other work, an idle wait when a turn
   * found nothing to do, and whether to go on taking turns at all.
   */
  interface Turns {
    /** False when the caller must stop taking turns and only wait for the chunk. */
    boolean keepGoing();

    /** One turn of other work; false when there was none. */
    boolean turn();

    /** Waits until woken ({@code onChunkDone} wakes it too) or a short while has passed. */
    void idle();
  }

  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          task -> {
            Thread thread = new Thread(task, "gcg-prefill");
            thread.setDaemon(true);
            return thread;
          });

  private final Runnable onChunkDone;

  /** A lane that runs {@code onChunkDone} (on its thread) each time a chunk returns. */
  PrefillLane(Runnable onChunkDone) {
    this.onChunkDone = onChunkDone;
  }

  /**
   * Runs {@code chunk} on the lane and, on the calling thread meanwhile, {@code turns} until the
   * chunk returned; then waits for the chunk.
   *
   * @return the chunk's outcomes
   * @throws Error what the chunk threw that was an Error (its pieces catch their own failures)
   * @throws IllegalStateException wrapping anything else the chunk threw
   */
  List<PrefillChunk.Outcome> run(Callable<List<PrefillChunk.Outcome>> chunk, Turns turns) {
    Future<List<PrefillChunk.Outcome>> work =
        executor.submit(
            () -> {
              try {
                return chunk.call();
              } finally {
                onChunkDone.run();
              }
            });
    while (!work.isDone() && turns.keepGoing()) {
      // the chunk's end wakes idle(); checked after the turn so that a wake is not missed
      if (!turns.turn() && !work.isDone()) {
        turns.idle();
      }
    }
    return await(work);
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
