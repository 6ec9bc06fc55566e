package io.gcgserve.engine;

import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GenerationSession;
import io.gcgserve.model.StepEvents;
import io.gcgserve.model.StepTimings;
import io.gcgserve.model.StepTimings.Phase;
import io.gcgserve.model.StepwiseCaptioner;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Engine}'s running requests and the work of one iteration on them: prefill chunks,
 * decode steps, and handing out what they made to the requests' sinks. Confined to the engine's
 * thread, except the sessions in the prefill lane's hands (see {@link PrefillLane}) and the
 * counters, which {@link Engine#stats} reads.
 */
final class RunningBatch {

  private static final System.Logger log = System.getLogger(Engine.class.getName());

  private final StepwiseCaptioner captioner;
  private final EngineLimits limits;
  private final StepTimings timings;
  private final Runnable onRelease;

  /** Where prefill chunks run beside decode steps ({@link EngineLimits#prefillLane}); or null. */
  private final @Nullable PrefillLane prefillLane;

  private final List<Admitted> running = new ArrayList<>();
  private volatile int runningCount;
  private final AtomicLong reservedBytes = new AtomicLong();
  private final AtomicLong decodeSteps = new AtomicLong();
  private final AtomicLong decodeRows = new AtomicLong();
  private final AtomicLong decodeTokens = new AtomicLong();
  private final AtomicLong prefillPieces = new AtomicLong();
  private final PrefillChunk chunk;

  /**
   * An empty batch; {@code onRelease} runs (on the engine thread) every time a request leaves it or
   * ends before joining, {@code wake} (on the lane's) when the lane finished a prefill.
   */
  RunningBatch(
      StepwiseCaptioner captioner,
      EngineLimits limits,
      StepTimings timings,
      Runnable onRelease,
      Runnable wake) {
    this.captioner = captioner;
    this.limits = limits;
    this.timings = timings;
    this.onRelease = onRelease;
    this.chunk = new PrefillChunk(timings, prefillPieces);
    this.prefillLane = limits.prefillLane() ? new PrefillLane(chunk, wake, this::endOnLane) : null;
  }

  /** Starts the prefill lane's thread, if there is a lane. */
  void start() {
    if (prefillLane != null) {
      prefillLane.start();
    }
  }

  /** Requests running now; any thread. */
  int runningCount() {
    return runningCount;
  }

  /** Bytes the running requests reserve; any thread. */
  long reservedBytes() {
    return reservedBytes.get();
  }

  /** The counters of {@link EngineStats}, with the engine's gauges given; any thread. */
  EngineStats stats(int waiting, int admitted, int arriving) {
    return new EngineStats(
        runningCount,
        waiting,
        admitted,
        arriving,
        reservedBytes.get(),
        decodeSteps.get(),
        decodeRows.get(),
        decodeTokens.get(),
        prefillPieces.get());
  }

  /** Adds requests taken from the queue, telling their sinks; queues them on the lane, if any. */
  void join(List<Admitted> joining) {
    for (Admitted entry : joining) {
      running.add(entry);
      reservedBytes.addAndGet(entry.reserved);
      runningCount = running.size();
      try {
        entry.sink.onStarted();
      } catch (RuntimeException e) {
        fail(entry, new IllegalStateException("a sink failed taking its request's start", e));
        continue;
      }
      if (prefillLane != null) {
        prefillLane.offer(entry);
      }
    }
  }

  /**
   * One iteration's work after admission; true when it did anything. With the prefill lane: hands
   * out the prefills the lane finished, ends cancelled requests, runs a decode step, then, while
   * the lane is busy with another prefill, a chunk of the oldest queued one on this thread ({@link
   * #prefillBeside}, with {@code admit} before each piece: it takes new requests in and answers
   * false when the engine is stopping). Without it: ends cancelled requests, runs a prefill chunk,
   * then a decode step.
   */
  boolean work(BooleanSupplier admit) {
    if (prefillLane == null) {
      boolean worked = endCancelled();
      worked |= prefill();
      return decode() | worked;
    }
    boolean worked = settle(prefillLane.collect());
    worked |= endCancelled();
    worked |= decode();
    return prefillBeside(prefillLane, admit) | worked;
  }

  /** Fails every running request and {@code more} with {@code failure}; stops the lane first. */
  void failAll(List<Admitted> more, Throwable failure) {
    if (prefillLane != null) {
      prefillLane.close();
    }
    List<Admitted> left = new ArrayList<>(running);
    left.addAll(more);
    left.forEach(entry -> fail(entry, failure));
  }

  /**
   * Ends running requests whose cancellation flag is set, except those in the lane's hands (its
   * session ends a cancelled prefill before its next piece); true when it ended any.
   */
  private boolean endCancelled() {
    boolean any = false;
    for (Admitted entry : List.copyOf(running)) {
      if (entry.session.request().cancellation().getAsBoolean() && ours(entry)) {
        entry.session.cancel();
        complete(entry);
        any = true;
      }
    }
    return any;
  }

  /**
   * Whether this thread may end {@code entry}: without the lane always; with it once its prefill
   * was handed out, or after withdrawing it from the lane's queue.
   */
  private boolean ours(Admitted entry) {
    return prefillLane == null || entry.prefilled || prefillLane.withdraw(entry);
  }

  /**
   * One prefill chunk on this thread (no lane), ending cancelled requests before every piece (a
   * long chunk must not keep them in the batch); true when there was prefill work.
   */
  private boolean prefill() {
    List<Admitted> prefilling = running.stream().filter(entry -> !entry.prefilled).toList();
    if (prefilling.isEmpty()) {
      return false;
    }
    settle(
        chunk.run(
            prefilling,
            limits.prefillChunkTokens(),
            () -> {
              endCancelled();
              return true;
            }));
    return true;
  }

  /**
   * A chunk of the oldest queued prefill on this thread, between two decode steps, while the lane
   * is busy with another: a request queued behind the lane starts its prefill without waiting for
   * the lane, and a burst is prefilled on both threads. Before each piece {@code admit} runs and
   * cancelled requests end; the chunk ends early when the lane finished a prefill (whose request
   * can decode now). A prefill that did not end goes back to the head of the lane's queue. Not
   * while every decode row is taken. False if none was taken.
   */
  private boolean prefillBeside(PrefillLane lane, BooleanSupplier admit) {
    if (rowsTaken() >= limits.maxBatch()) {
      // every decode row is taken: a prefill ahead can wait for the lane, the steps cannot
      return false;
    }
    Admitted next = lane.take();
    if (next == null) {
      return false;
    }
    settle(
        chunk.run(
            List.of(next),
            limits.prefillChunkTokens(),
            () -> {
              boolean serving = admit.getAsBoolean();
              endCancelled();
              return serving && !lane.hasFinished();
            }));
    if (!next.released && !next.prefilled) {
      lane.giveBack(next);
    }
    return true;
  }

  /** Hands out what a prefill chunk made of its requests: first tokens, ends and failures. */
  private boolean settle(List<PrefillChunk.Outcome> outcomes) {
    for (PrefillChunk.Outcome outcome : outcomes) {
      Admitted entry = outcome.entry();
      if (entry.released) {
        forget(entry); // released during the chunk, or ended on the lane
        continue;
      }
      entry.prefilled = !entry.session.isPrefilling();
      Throwable failure = outcome.failure();
      if (failure != null) {
        fail(entry, failure);
        continue;
      }
      StepEvents events = outcome.events();
      if (events != null) {
        deliver(entry, events);
      }
      if (!entry.released && entry.session.isFinished()) {
        complete(entry);
      }
    }
    return !outcomes.isEmpty();
  }

  /** Requests whose prefill was handed out: each holds a decode row, or waits for one. */
  private int rowsTaken() {
    int taken = 0;
    for (Admitted entry : running) {
      if (entry.prefilled) {
        taken++;
      }
    }
    return taken;
  }

  /**
   * One decode step of the requests whose prefill was handed out, that have not finished and whose
   * sinks can take it, at most {@link EngineLimits#maxBatch}, oldest first (those prefilled ahead
   * wait for a row); true when it ran.
   */
  private boolean decode() {
    List<Admitted> batch = new ArrayList<>();
    List<GenerationSession> sessions = new ArrayList<>();
    for (Admitted entry : running) {
      if (batch.size() == limits.maxBatch()) {
        break;
      }
      GenerationSession session = entry.session;
      if (entry.prefilled && !session.isFinished() && entry.sink.canTakeStep()) {
        batch.add(entry);
        sessions.add(session);
      }
    }
    if (batch.isEmpty()) {
      return false;
    }
    List<StepEvents> events;
    try {
      events = captioner.decode(sessions, timings);
    } catch (RuntimeException | OutOfMemoryError e) {
      log.log(Level.ERROR, "a decode step of " + batch.size() + " request(s) failed", e);
      batch.forEach(entry -> fail(entry, e));
      return true;
    }
    decodeSteps.incrementAndGet();
    decodeRows.addAndGet(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Admitted entry = batch.get(i);
      StepEvents step = events.get(i);
      if (step.token() != null) {
        decodeTokens.incrementAndGet();
      }
      deliver(entry, step);
      if (!entry.released && entry.session.isFinished()) {
        complete(entry);
      }
    }
    return true;
  }

  private void deliver(Admitted entry, StepEvents events) {
    long start = System.nanoTime();
    try {
      events.deliverTo(entry.sink);
    } catch (RuntimeException e) {
      fail(entry, new IllegalStateException("delivering a request's events failed", e));
    } finally {
      timings.add(Phase.EVENT_ENCODING, System.nanoTime() - start);
    }
  }

  void complete(Admitted entry) {
    GenerationResult result = entry.session.result();
    if (!release(entry)) {
      return;
    }
    try {
      entry.sink.onFinished(result);
    } catch (RuntimeException e) {
      log.log(Level.WARNING, "a sink failed taking its request's end", e);
    }
  }

  void fail(Admitted entry, Throwable failure) {
    if (!release(entry)) {
      return;
    }
    try {
      entry.sink.onFailed(failure);
    } catch (RuntimeException e) {
      log.log(Level.WARNING, "a sink failed taking its request's failure", e);
    }
  }

  /** Takes the request out of the batch and frees its session; false when already released. */
  private boolean release(Admitted entry) {
    if (entry.released) {
      return false;
    }
    entry.released = true;
    forget(entry);
    entry.session.close();
    onRelease.run();
    return true;
  }

  /** Takes a released request out of the batch, if it is still there; engine thread. */
  private void forget(Admitted entry) {
    if (running.remove(entry)) {
      reservedBytes.addAndGet(-entry.reserved);
      runningCount = running.size();
    }
  }

  /**
   * Ends a request in the lane's hands whose prefill ended because it was cancelled, on the lane's
   * thread ({@link PrefillLane}): closes its session, frees its place and tells its sink, while the
   * engine thread may be running a decode step. The engine thread leaves the request alone until it
   * collects its outcome, and then only takes it out of the batch ({@link #forget}).
   */
  private void endOnLane(Admitted entry) {
    GenerationResult result = entry.session.result();
    entry.released = true;
    entry.session.close();
    onRelease.run();
    try {
      entry.sink.onFinished(result);
    } catch (RuntimeException e) {
      log.log(Level.WARNING, "a sink failed taking its request's end", e);
    }
  }
}
