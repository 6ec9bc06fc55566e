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

  /**
   * Runs {@code chunk} on the lane and, on the calling thread meanwhile, {@code meanwhile} again
   * and again until the chunk returned or it returns false; then waits for the chunk.
   *
   * @return the chunk's outcomes
   * @throws Error what the chunk threw that was an Error (its pieces catch their own failures)
   * @throws IllegalStateException wrapping anything else the chunk threw
   */
  List<PrefillChunk.Outcome> run(
      Callable<List<PrefillChunk.Outcome>> chunk, BooleanSupplier meanwhile) {
    Future<List<PrefillChunk.Outcome>> work = executor.submit(chunk);
    while (!work.isDone() && meanwhile.getAsBoolean()) {
      // the other work goes on until the chunk is done, or there is none left
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
