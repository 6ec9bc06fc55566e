package io.gcgserve.engine;

import io.gcgserve.engine.RejectedException.Reason;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GenerationSession;
import io.gcgserve.model.StepEvents;
import io.gcgserve.model.StepTimings;
import io.gcgserve.model.StepTimings.Phase;
import io.gcgserve.model.StepwiseCaptioner;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Runs every admitted request on one thread, iteration by iteration, the way iteration-level
 * batching servers do: each iteration (1) moves waiting requests into the batch while it has room
 * ({@link EngineLimits#maxBatch}) and their memory fits ({@link EngineLimits#maxReservedBytes}),
 * first come first served; (2) ends requests found cancelled, freeing their place; (3) runs prefill
 * pieces (the encoders, then one LLM layer each), oldest request first, until {@link
 * EngineLimits#prefillChunkTokens} tokens of prefill work are spent; (4) runs one decode step for
 * every decoding request whose client can take more, as one batch. Requests join and leave the
 * batch between iterations, so the per-step cost of decoding is shared by everyone running, and a
 * long prefill delays the running requests' next tokens by at most one chunk.
 *
 * <p>Admission never blocks: {@link #submit} refuses at once when the batch and the queue are full.
 * Cancellation (the request's flag) is checked every iteration for every request, waiting or
 * running, and by the session before each prefill piece and each step; an iteration is one prefill
 * chunk plus one decode step, so a cancelled request frees its place within that.
 *
 * <p>Failures stay with their requests: a prefill piece that throws fails its request; a decode
 * step that throws fails the requests of that step (their sessions may be half-stepped); a sink
 * that throws fails its own request. The engine keeps serving.
 */
public final class Engine implements AutoCloseable {

  private static final System.Logger log = System.getLogger(Engine.class.getName());

  /** How long an idle engine sleeps before looking again, when nothing wakes it. */
  private static final long IDLE_WAIT_MILLIS = 50;

  private final StepwiseCaptioner captioner;
  private final EngineLimits limits;
  private final StepTimings timings = new StepTimings();
  private final Thread thread;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // guarded by lock
  private final ArrayDeque<Admitted> waiting = new ArrayDeque<>();
  private int admitted;
  private boolean woken;
  private boolean closing;
  private boolean stopping;
  private boolean stopped;

  // confined to the engine thread, published for stats()
  private final List<Admitted> running = new ArrayList<>();
  private volatile int runningCount;
  private final AtomicLong reservedBytes = new AtomicLong();
  private final AtomicLong decodeSteps = new AtomicLong();
  private final AtomicLong decodeRows = new AtomicLong();
  private final AtomicLong decodeTokens = new AtomicLong();
  private final AtomicLong prefillPieces = new AtomicLong();

  /** An engine over {@code captioner}; {@link #start} starts its thread. */
  public Engine(StepwiseCaptioner captioner, EngineLimits limits) {
    this.captioner = Objects.requireNonNull(captioner, "captioner is null");
    this.limits = Objects.requireNonNull(limits, "limits is null");
    this.thread = new Thread(this::run, "gcg-engine");
    thread.setDaemon(true);
  }

  /** Starts the engine's thread. */
  public void start() {
    thread.start();
  }

  /** The limits. */
  public EngineLimits limits() {
    return limits;
  }

  /**
   * Admits {@code request}: opens its session (which validates it against the model) and queues it.
   * Its events and its end go to {@code sink}, on the engine's thread.
   *
   * @throws io.gcgserve.model.InvalidRequestException when the model cannot run the request
   * @throws RejectedException when the engine is full, shutting down, or the request alone needs
   *     more memory than the engine may reserve
   */
  public void submit(GenerationRequest request, GenerationSink sink) {
    Objects.requireNonNull(sink, "sink is null");
    GenerationSession session = captioner.openSession(request);
    long reserve = session.reservedBytes();
    lock.lock();
    try {
      RejectedException refusal = refusal(reserve, 1);
      if (refusal != null) {
        session.close();
        throw refusal;
      }
      admitted++;
      waiting.addLast(new Admitted(session, sink, reserve));
      woken = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Refuses now if {@link #submit} would refuse {@code arriving} more requests for lack of room, or
   * for shutting down: a cheap check before spending work on a request (decoding its image), not a
   * reservation ({@link #submit} checks again). The server counts in {@code arriving} the calls
   * that passed this check and are not submitted yet, so a burst is refused before it is read.
   *
   * @throws RejectedException when full or shutting down
   */
  public void checkRoom(int arriving) {
    lock.lock();
    try {
      RejectedException refusal = refusal(0, arriving);
      if (refusal != null) {
        throw refusal;
      }
    } finally {
      lock.unlock();
    }
  }

  private @Nullable RejectedException refusal(long reserve, int arriving) {
    if (closing) {
      return RejectedException.shuttingDown();
    }
    if (reserve > limits.maxReservedBytes()) {
      return RejectedException.tooLarge(reserve, limits);
    }
    if (admitted + arriving > limits.maxBatch() + limits.queueCapacity()) {
      return RejectedException.full(limits);
    }
    return null;
  }

  /**
   * Makes the engine look again now: call it when a request's cancellation flag was set or its sink
   * can take events again, so that it does not wait for its idle poll.
   */
  public void wake() {
    lock.lock();
    try {
      woken = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Time spent per phase since the engine started. */
  public StepTimings timings() {
    return timings;
  }

  /** The counters and gauges now. */
  public EngineStats stats() {
    int queued;
    lock.lock();
    try {
      queued = waiting.size();
    } finally {
      lock.unlock();
    }
    return new EngineStats(
        runningCount,
        queued,
        reservedBytes.get(),
        decodeSteps.get(),
        decodeRows.get(),
        decodeTokens.get(),
        prefillPieces.get());
  }

  /**
   * Stops admitting, lets admitted requests run for up to {@code grace}, then fails whatever is
   * left with {@link Reason#SHUTTING_DOWN} and stops the thread.
   *
   * @return true when every admitted request ended within {@code grace}
   */
  public boolean shutdown(Duration grace) throws InterruptedException {
    long deadline = System.nanoTime() + grace.toNanos();
    boolean drained;
    lock.lock();
    try {
      closing = true;
      changed.signalAll();
      while (admitted > 0 && System.nanoTime() < deadline && !stopped) {
        changed.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      drained = admitted == 0;
      stopping = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (thread.isAlive()) {
      thread.join();
    }
    return drained;
  }

  /** {@link #shutdown} with no grace: every admitted request fails at once. */
  @Override
  public void close() {
    try {
      shutdown(Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the engine thread ----

  private void run() {
    try {
      while (admitWaiting()) {
        boolean worked = endCancelled();
        worked |= prefill();
        worked |= decode();
        if (!worked) {
          awaitWork();
        }
      }
    } catch (RuntimeException | Error e) {
      log.log(Level.ERROR, "the engine stopped on an unexpected failure", e);
      lock.lock();
      try {
        closing = true;
      } finally {
        lock.unlock();
      }
    } finally {
      failEverything();
      lock.lock();
      try {
        stopped = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Moves waiting requests into the batch while there is room and memory, ending cancelled ones.
   *
   * @return false when the engine must stop
   */
  private boolean admitWaiting() {
    List<Admitted> cancelled = new ArrayList<>();
    List<Admitted> joining = new ArrayList<>();
    lock.lock();
    try {
      woken = false;
      if (stopping) {
        return false;
      }
      waiting.removeIf(
          entry -> {
            boolean gone = entry.session.request().cancellation().getAsBoolean();
            if (gone) {
              cancelled.add(entry);
            }
            return gone;
          });
      long reserved = reservedBytes.get();
      while (!waiting.isEmpty()
          && running.size() + joining.size() < limits.maxBatch()
          && reserved + waiting.peekFirst().reserved <= limits.maxReservedBytes()) {
        Admitted entry = waiting.pollFirst();
        reserved += entry.reserved;
        joining.add(entry);
      }
    } finally {
      lock.unlock();
    }
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
    for (Admitted entry : cancelled) {
      entry.session.cancel();
      complete(entry);
    }
    return true;
  }

  /** Ends running requests whose cancellation flag is set; true when it ended any. */
  private boolean endCancelled() {
    boolean any = false;
    for (Admitted entry : List.copyOf(running)) {
      if (entry.session.request().cancellation().getAsBoolean()) {
        entry.session.cancel();
        complete(entry);
        any = true;
      }
    }
    return any;
  }

  /** Runs prefill pieces, oldest request first, until the chunk's tokens are spent. */
  private boolean prefill() {
    int budget = limits.prefillChunkTokens();
    boolean worked = false;
    for (Admitted entry : List.copyOf(running)) {
      GenerationSession session = entry.session;
      while (session.isPrefilling() && (budget > 0 || !worked)) {
        // a long chunk must not keep cancelled requests in the batch: look before every piece
        endCancelled();
        if (entry.released) {
          break;
        }
        budget -= session.nextPrefillCost();
        worked = true;
        long start = System.nanoTime();
        StepEvents events;
        try {
          events = session.advancePrefill();
        } catch (RuntimeException | OutOfMemoryError e) {
          fail(entry, e);
          break;
        } finally {
          timings.add(Phase.PREFILL, System.nanoTime() - start);
          prefillPieces.incrementAndGet();
        }
        if (events != null) {
          deliver(entry, events);
        }
        if (entry.released) {
          break;
        }
      }
      if (!entry.released && session.isFinished()) {
        complete(entry);
      }
      if (budget <= 0) {
        break;
      }
    }
    return worked;
  }

  /** One decode step of every decoding request whose sink can take it; true when it ran. */
  private boolean decode() {
    endCancelled();
    List<Admitted> batch = new ArrayList<>();
    List<GenerationSession> sessions = new ArrayList<>();
    for (Admitted entry : running) {
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

  private void complete(Admitted entry) {
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

  private void fail(Admitted entry, Throwable failure) {
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
    lock.lock();
    try {
      admitted--;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    return true;
  }

  private void awaitWork() {
    lock.lock();
    try {
      long remaining = TimeUnit.MILLISECONDS.toNanos(IDLE_WAIT_MILLIS);
      while (!woken && !stopping && remaining > 0) {
        remaining = changed.awaitNanos(remaining);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
    } finally {
      lock.unlock();
    }
  }

  /** Fails every admitted request: the engine is stopping. */
  private void failEverything() {
    List<Admitted> left = new ArrayList<>(running);
    lock.lock();
    try {
      closing = true;
      left.addAll(waiting);
      waiting.clear();
    } finally {
      lock.unlock();
    }
    RejectedException stopping = RejectedException.shuttingDown();
    left.forEach(entry -> fail(entry, stopping));
  }
}
