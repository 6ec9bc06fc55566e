package io.gcgserve.engine;

import io.gcgserve.model.FinishReason;
import io.gcgserve.model.StepEvents;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Engine}'s second thread ({@link EngineLimits#prefillLane}): it takes the requests
 * waiting for their prefill, oldest first, and runs each one's prefill to its end while the engine
 * thread runs decode steps, so that on a machine with two cores or more prefill and decode each
 * have one and neither waits for the other's turn. What a prefill made waits in {@link #collect}
 * for the engine thread, which hands it out to the request's sink.
 *
 * <p>A request is in the lane's hands from {@link #offer} until its outcome is collected: queued,
 * being prefilled, or prefilled and not collected yet. The engine thread leaves it alone meanwhile,
 * except that it may {@link #withdraw} it while it is still queued (to end a cancelled request),
 * and {@link #take} the oldest queued one, while the lane is busy with another, to run a chunk of
 * its prefill itself when it has no decode step to run, giving it back ({@link #giveBack}) at the
 * head of the queue if the prefill did not end. Every hand-over goes through the lane's lock, so
 * each thread sees what the other did to a session. One thing the lane does itself: a request whose
 * prefill ended because it was cancelled is ended on the lane's thread ({@code onCancelled}), so
 * that it frees its place without waiting for the engine thread's decode step.
 */
final class PrefillLane implements AutoCloseable {

  private static final System.Logger log = System.getLogger(Engine.class.getName());

  /** How long {@link #close} waits for a piece in progress before interrupting it. */
  private static final long CLOSE_WAIT_SECONDS = 10;

  private final PrefillChunk chunk;
  private final Runnable onFinished;
  private final Consumer<Admitted> onCancelled;
  private final Thread thread;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition queued = lock.newCondition();
  // guarded by lock
  private final ArrayDeque<Admitted> waiting = new ArrayDeque<>();
  private final List<PrefillChunk.Outcome> finished = new ArrayList<>();
  private boolean prefilling;
  private boolean closed;

  /**
   * A lane that runs prefills with {@code chunk} and runs {@code onFinished} (on its thread) each
   * time one ended; {@code onCancelled} ends, on the lane's thread, a request whose prefill ended
   * because it was cancelled, before its outcome is handed over. {@link #start} starts its thread.
   */
  PrefillLane(PrefillChunk chunk, Runnable onFinished, Consumer<Admitted> onCancelled) {
    this.chunk = chunk;
    this.onFinished = onFinished;
    this.onCancelled = onCancelled;
    this.thread = new Thread(this::run, "gcg-prefill");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues a request whose prefill has not started; engine thread. */
  void offer(Admitted entry) {
    lock.lock();
    try {
      waiting.addLast(entry);
      queued.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The oldest queued request, now in the engine thread's hands; or null when none is queued, or
   * when the lane is free to take it itself.
   */
  @Nullable Admitted take() {
    lock.lock();
    try {
      return prefilling ? waiting.pollFirst() : null;
    } finally {
      lock.unlock();
    }
  }

  /** Puts back a request {@link #take}n whose prefill has not ended, as the oldest again. */
  void giveBack(Admitted entry) {
    lock.lock();
    try {
      waiting.addFirst(entry);
      queued.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes {@code entry} out of the queue; false when it is not queued (being prefilled, or done).
   */
  boolean withdraw(Admitted entry) {
    lock.lock();
    try {
      // Admitted keeps Object's identity equality: this removes exactly this request
      return waiting.remove(entry);
    } finally {
      lock.unlock();
    }
  }

  /** Whether a prefill ended since the last {@link #collect}. */
  boolean hasFinished() {
    lock.lock();
    try {
      return !finished.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** The outcomes of the prefills that ended since the last call, oldest first; engine thread. */
  List<PrefillChunk.Outcome> collect() {
    lock.lock();
    try {
      if (finished.isEmpty()) {
        return List.of();
      }
      List<PrefillChunk.Outcome> done = List.copyOf(finished);
      finished.clear();
      return done;
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    while (true) {
      Admitted entry;
      lock.lock();
      try {
        while (waiting.isEmpty() && !closed) {
          queued.awaitUninterruptibly();
        }
        if (closed) {
          return;
        }
        entry = waiting.pollFirst();
        prefilling = true;
      } finally {
        lock.unlock();
      }
      List<PrefillChunk.Outcome> outcomes;
      try {
        // no token budget: the prefill runs to its end, unless the lane closes between pieces
        outcomes = chunk.run(List.of(entry), Integer.MAX_VALUE, this::open);
      } catch (RuntimeException | Error e) {
        log.log(Level.ERROR, "the prefill lane failed on a request", e);
        outcomes = List.of(new PrefillChunk.Outcome(entry, null, e));
      }
      endCancelled(outcomes);
      lock.lock();
      try {
        finished.addAll(outcomes);
        // free again in the same step, so that the engine thread never takes a prefill the lane
        // is about to take
        prefilling = false;
      } finally {
        lock.unlock();
      }
      onFinished.run();
    }
  }

  /**
   * Ends the requests whose prefill ended on their cancellation, with nothing to hand out, at once
   * on this thread: the engine thread may be in a decode step, and their places should not wait for
   * it. The engine thread still collects their outcomes, to take them out of its batch.
   */
  private void endCancelled(List<PrefillChunk.Outcome> outcomes) {
    for (PrefillChunk.Outcome outcome : outcomes) {
      Admitted entry = outcome.entry();
      // a prefill that ends on its cancellation hands out StepEvents.NONE
      if (outcome.failure() == null
          && StepEvents.NONE.equals(outcome.events())
          && entry.session.isFinished()
          && entry.session.result().finishReason() == FinishReason.CANCELLED) {
        onCancelled.accept(entry);
      }
    }
  }

  private boolean open() {
    lock.lock();
    try {
      return !closed;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops the lane: it starts no more pieces, and this returns once its thread ended (a piece in
   * progress finishes first; one that takes longer than {@value #CLOSE_WAIT_SECONDS} s is
   * interrupted), so that the caller may close the sessions the lane held.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      waiting.clear();
      queued.signalAll();
    } finally {
      lock.unlock();
    }
    if (!thread.isAlive()) {
      return;
    }
    boolean interrupted = false;
    try {
      thread.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
    } catch (InterruptedException e) {
      interrupted = true;
    }
    while (thread.isAlive()) {
      thread.interrupt();
      try {
        thread.join(TimeUnit.SECONDS.toMillis(1));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
