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
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Engine}'s running requests and the work of one iteration on them: prefill chunks,
 * decode steps, and handing out what they made to the requests' sinks. Confined to the engine's
 * thread, except the prefill lane's chunks (which touch only their own sessions) and the counters,
 * which {@link Engine#stats} reads.
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
   * ends before joining, {@code wake} (on the lane's) when a prefill chunk returned.
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
    this.prefillLane = limits.prefillLane() ? new PrefillLane(wake) : null;
  }

  /** Requests running now; any thread. */
  int runningCount() {
    return runningCount;
  }

  /** Bytes the running requests reserve; any thread. */
  long reservedBytes() {
    return reservedBytes.get();
  }

  /** The counters of {@link EngineStats}, with the gauges given; any thread. */
  EngineStats stats(int waiting) {
    return new EngineStats(
        runningCount,
        waiting,
        reservedBytes.get(),
        decodeSteps.get(),
        decodeRows.get(),
        decodeTokens.get(),
        prefillPieces.get());
  }

  /** Adds requests taken from the queue, telling their sinks. */
  void join(List<Admitted> joining) {
    for (Admitted entry : joining) {
      running.add(entry);
      reservedBytes.addAndGet(entry.reserved);
      try {
        entry.sink.onStarted();
      } catch (RuntimeException e) {
        fail(entry, new IllegalStateException("a sink failed taking its request's start", e));
      }
    }
    runningCount = running.size();
  }

  /**
   * One iteration's work after admission: ends cancelled requests, runs a prefill chunk and decode
   * steps; true when it did anything. With the prefill lane, {@code admit} runs before every turn
   * of the engine thread during the chunk (ending cancelled waiting requests, taking new ones in;
   * false when the engine is stopping, which ends the turns), and {@code idle} waits for a wake-up
   * when a turn found nothing to do.
   */
  boolean work(BooleanSupplier admit, Runnable idle) {
    boolean worked = endCancelled(Set.of());
    if (prefillLane != null) {
      worked |= prefillBesideDecode(prefillLane, admit, idle);
    } else {
      worked |= prefill();
      worked |= decode(Set.of());
    }
    return worked;
  }

  /** Fails every running request and {@code more} with {@code failure}; stops the lane. */
  void failAll(List<Admitted> more, Throwable failure) {
    if (prefillLane != null) {
      prefillLane.close();
    }
    List<Admitted> left = new ArrayList<>(running);
    left.addAll(more);
    left.forEach(entry -> fail(entry, failure));
  }

  /**
   * Ends running requests whose cancellation flag is set, but not {@code busy} ones; true when it
   * ended any.
   */
  boolean endCancelled(Set<Admitted> busy) {
    boolean any = false;
    for (Admitted entry : List.copyOf(running)) {
      if (!busy.contains(entry) && entry.session.request().cancellation().getAsBoolean()) {
        entry.session.cancel();
        complete(entry);
        any = true;
      }
    }
    return any;
  }

  /** The running requests whose prefill has not ended, oldest first. */
  private List<Admitted> prefilling() {
    return running.stream().filter(entry -> entry.session.isPrefilling()).toList();
  }

  /**
   * One prefill chunk on this thread, ending cancelled requests before every piece (a long chunk
   * must not keep them in the batch); true when there was prefill work.
   */
  private boolean prefill() {
    List<Admitted> prefilling = prefilling();
    if (prefilling.isEmpty()) {
      return false;
    }
    settle(
        chunk.run(
            prefilling,
            limits.prefillChunkTokens(),
            () -> {
              endCancelled(Set.of());
              return true;
            }));
    return true;
  }

  /**
   * The oldest request's prefill chunk on the lane while this thread takes turns: admission, a
   * decode step of the other requests, then a prefill chunk of the next prefilling ones (the same
   * token budget as the lane's), as many turns as fit in the lane's chunk; true when it did
   * anything. The lane's request is left alone here until its chunk returns: it ends a cancellation
   * itself, before its next piece.
   */
  private boolean prefillBesideDecode(PrefillLane lane, BooleanSupplier admit, Runnable idle) {
    List<Admitted> prefilling = prefilling();
    if (prefilling.isEmpty()) {
      return decode(Set.of());
    }
    Admitted oldest = prefilling.get(0);
    // Admitted keeps Object's identity equality, so the set holds exactly this request
    Set<Admitted> busy = Set.of(oldest);
    settle(
        lane.run(
            () -> chunk.run(List.of(oldest), limits.prefillChunkTokens(), () -> true),
            admit,
            () -> decode(busy) | prefillBeside(lane, busy, admit),
            idle));
    return true;
  }

  /**
   * A prefill chunk of the prefilling requests not in {@code busy}, oldest first, on this thread;
   * admission and cancelled requests' ends run before each piece, so a chunk between two decode
   * steps delays neither by more than a piece, and the chunk ends early when the lane's does, so
   * the lane does not sit idle. False if none is prefilling.
   */
  private boolean prefillBeside(PrefillLane lane, Set<Admitted> busy, BooleanSupplier admit) {
    List<Admitted> next =
        running.stream()
            .filter(entry -> !busy.contains(entry) && entry.session.isPrefilling())
            .toList();
    if (next.isEmpty()) {
      return false;
    }
    settle(
        chunk.run(
            next,
            limits.prefillChunkTokens(),
            () -> {
              boolean serving = admit.getAsBoolean();
              endCancelled(busy);
              return serving && lane.working();
            }));
    return true;
  }

  /** Hands out what a prefill chunk made of its requests: first tokens, ends and failures. */
  private void settle(List<PrefillChunk.Outcome> outcomes) {
    for (PrefillChunk.Outcome outcome : outcomes) {
      Admitted entry = outcome.entry();
      if (entry.released) {
        continue;
      }
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
  }

  /**
   * One decode step of every decoding request whose sink can take it, leaving out {@code busy}
   * (requests the prefill lane is working on); true when it ran.
   */
  private boolean decode(Set<Admitted> busy) {
    endCancelled(busy);
    List<Admitted> batch = new ArrayList<>();
    List<GenerationSession> sessions = new ArrayList<>();
    for (Admitted entry : running) {
      if (busy.contains(entry)) {
        continue;
      }
      GenerationSession session = entry.session;
      if (!session.isPrefilling() && !session.isFinished() && entry.sink.canTakeStep()) {
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
    boolean wasRunning = running.remove(entry);
    if (wasRunning) {
      reservedBytes.addAndGet(-entry.reserved);
      runningCount = running.size();
    }
    entry.session.close();
    onRelease.run();
    return true;
  }
}
