package io.gcgserve.engine;

import io.gcgserve.model.GenerationSession;
import io.gcgserve.model.StepEvents;
import io.gcgserve.model.StepTimings;
import io.gcgserve.model.StepTimings.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One engine iteration's prefill work: pieces of the given requests (encoders, then one LLM layer
 * each), oldest first, until a token budget is spent (at least one piece runs) or a request's
 * prefill ends, so that its first token goes out without waiting for the rest of the chunk.
 *
 * <p>It touches only the sessions it is given, never sinks or the engine's bookkeeping: the engine
 * hands out what it made of each request ({@link Outcome}) afterwards, on its own thread. That is
 * what lets a chunk run on the prefill lane while the engine thread runs decode steps of other
 * requests.
 */
final class PrefillChunk {

  /**
   * What a chunk made of one request: the events of its last piece that had any (the first token,
   * or the end of a request cancelled before a piece), or the failure of a piece, after which its
   * session must not be advanced.
   */
  record Outcome(Admitted entry, @Nullable StepEvents events, @Nullable Throwable failure) {}

  private final StepTimings timings;
  private final AtomicLong pieces;

  PrefillChunk(StepTimings timings, AtomicLong pieces) {
    this.timings = timings;
    this.pieces = pieces;
  }

  /**
   * Runs pieces of {@code entries}' sessions until {@code budget} tokens are spent or a prefill
   * ends; {@code beforePiece} runs before each piece (on the caller's thread) and may release
   * requests, whose sessions are then left alone; when it answers false, the chunk ends there.
   *
   * @return an outcome for every request a piece ran for, in order
   */
  List<Outcome> run(List<Admitted> entries, int budget, BooleanSupplier beforePiece) {
    List<Outcome> outcomes = new ArrayList<>();
    int left = budget;
    boolean worked = false;
    boolean stopped = false;
    for (Admitted entry : entries) {
      GenerationSession session = entry.session;
      StepEvents events = null;
      Throwable failure = null;
      boolean ran = false;
      while (!entry.released && session.isPrefilling() && (left > 0 || !worked)) {
        stopped = !beforePiece.getAsBoolean();
        if (stopped || entry.released) {
          break;
        }
        left -= session.nextPrefillCost();
        worked = true;
        ran = true;
        long start = System.nanoTime();
        try {
          StepEvents piece = session.advancePrefill();
          events = piece != null ? piece : events;
        } catch (RuntimeException | OutOfMemoryError e) {
          failure = e;
          break;
        } finally {
          timings.add(Phase.PREFILL, System.nanoTime() - start);
          pieces.incrementAndGet();
        }
      }
      if (ran) {
        outcomes.add(new Outcome(entry, events, failure));
      }
      if (stopped || left <= 0 || events != null) {
        break;
      }
    }
    return outcomes;
  }
}
