package io.gcgserve.engine;

import io.gcgserve.engine.RejectedException.Reason;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationSession;
import io.gcgserve.model.StepTimings;
import io.gcgserve.model.StepwiseCaptioner;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Runs every admitted request iteration by iteration, the way iteration-level batching servers do:
 * each iteration (1) moves waiting requests into the batch while it has room ({@link
 * EngineLimits#batchPlaces}) and their memory fits ({@link EngineLimits#maxReservedBytes}), first
 * come first served; (2) ends requests found cancelled, freeing their place; (3) runs prefill work;
 * (4) runs one decode step for the decoding requests whose clients can take more, as one batch of
 * at most {@link EngineLimits#maxBatch} rows, oldest first. Requests join and leave the batch
 * between iterations, so the per-step cost of decoding is shared by everyone running.
 *
 * <p>Prefill runs on two threads or one ({@link EngineLimits#prefillLane}). With the prefill lane
 * ({@link PrefillLane}), a thread of its own takes the requests that joined, oldest first, and runs
 * each prefill to its end, without waiting for the engine thread, which runs decode steps and hands
 * out the first tokens the lane made between two steps; prefill and decode use a core each. While
 * the lane is busy and more prefills wait behind it, the engine thread also runs, after each decode
 * step, a chunk of the oldest waiting one: pieces until {@link EngineLimits#prefillChunkTokens}
 * tokens of work are spent, its prefill ends, or the lane finished one (someone can decode now); an
 * unfinished prefill goes back to the head of the lane's queue. While every decode row is taken,
 * the lane goes on prefilling up to {@link EngineLimits#prefillAhead} requests more, so that the
 * core it runs on does not idle while requests wait for a row: their first tokens go out at once,
 * and each takes a row, already prefilled, when one frees (the engine thread only helps with a
 * prefill whose request will get a row). Without the lane, the engine thread runs such a chunk of
 * the prefilling requests, oldest first ({@link PrefillChunk}), then the decode step, so a long
 * prefill delays the running requests' next tokens by at most one chunk. The lane only advances the
 * sessions in its hands; everything else (sinks, the batch, admission) stays on the engine thread.
 *
 * <p>Admission never blocks: {@link #submit} refuses at once when the batch and the queue are full.
 * Cancellation (the request's flag) is checked every iteration for every request, waiting or
 * running (except a prefill in the lane's hands), and by the session before each prefill piece and
 * each step, so a cancelled request frees its place within one piece or step (one chunk plus one
 * step without the lane).
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
  private int arriving;
  private boolean woken;
  private boolean closing;
  private boolean stopping;
  private boolean stopped;

  private final RunningBatch batch;

  /** An engine over {@code captioner}; {@link #start} starts its thread. */
  public Engine(StepwiseCaptioner captioner, EngineLimits limits) {
    this.captioner = Objects.requireNonNull(captioner, "captioner is null");
    this.limits = Objects.requireNonNull(limits, "limits is null");
    this.thread = new Thread(this::run, "gcg-engine");
    thread.setDaemon(true);
    this.batch = new RunningBatch(captioner, limits, timings, this::released, this::wake);
  }

  /** Starts the engine's thread. */
  public void start() {
    batch.start();
    thread.start();
  }

  /** The limits. */
  public EngineLimits limits() {
    return limits;
  }

  /**
   * Admits {@code request}: opens its session (which validates it against the model) and queues it.
   * Its events and its end go to {@code sink}, on the engine's thread. The request takes the place
   * of {@code arrival}, if given, in the same locked step that admits it (or refuses it), so that
   * the call is counted once throughout, never twice nor not at all.
   *
   * @param arrival the place {@link #arrive} counted for this call, or null
   * @throws io.gcgserve.model.InvalidRequestException when the model cannot run the request
   * @throws RejectedException when the engine is full, shutting down, or the request alone needs
   *     more memory than the engine may reserve
   */
  public void submit(GenerationRequest request, GenerationSink sink, @Nullable Arrival arrival) {
    Objects.requireNonNull(sink, "sink is null");
    GenerationSession session;
    try {
      session = captioner.openSession(request);
    } catch (RuntimeException | Error e) {
      if (arrival != null) {
        arrival.close();
      }
      throw e;
    }
    long reserve = session.reservedBytes();
    lock.lock();
    try {
      if (arrival != null) {
        arrival.leave();
      }
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

  /** {@link #submit(GenerationRequest, GenerationSink, Arrival)} for a request with no arrival. */
  public void submit(GenerationRequest request, GenerationSink sink) {
    submit(request, sink, null);
  }

  /**
   * Counts a call whose request is not read yet against the engine's room, or refuses it now if the
   * running, waiting and other arriving requests leave none, or the engine is shutting down: a
   * burst is refused before any of it is read, and an overloaded engine spends nothing on a request
   * it cannot take. Not a guarantee: {@link #submit} checks again, and may still refuse for memory.
   *
   * @return the call's place: pass it to {@link #submit}, or close it if the call ends without
   * @throws RejectedException when full or shutting down
   */
  public Arrival arrive() {
    lock.lock();
    try {
      RejectedException refusal = refusal(0, arriving + 1);
      if (refusal != null) {
        throw refusal;
      }
      arriving++;
      return new Arrival();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Refuses now if {@link #submit} would refuse one more request for lack of room, or for shutting
   * down: a cheap check before spending work on a request (decoding its image), not a reservation.
   *
   * @throws RejectedException when full or shutting down
   */
  public void checkRoom() {
    lock.lock();
    try {
      RejectedException refusal = refusal(0, 1);
      if (refusal != null) {
        throw refusal;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * A place {@link #arrive} counted for a call whose request is not read yet, until {@link #submit}
   * takes it or the call closes it. Thread-safe; closing it again, or after {@link #submit}, does
   * nothing.
   */
  public final class Arrival implements AutoCloseable {
    // guarded by lock
    private boolean counted = true;

    private Arrival() {}

    /** Gives the place up: the call ended without submitting its request. */
    @Override
    public void close() {
      lock.lock();
      try {
        leave();
      } finally {
        lock.unlock();
      }
    }

    /** Stops counting the call as arriving; with the lock held. */
    private void leave() {
      if (counted) {
        counted = false;
        arriving--;
      }
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
    int holding;
    int coming;
    lock.lock();
    try {
      queued = waiting.size();
      holding = admitted;
      coming = arriving;
    } finally {
      lock.unlock();
    }
    return batch.stats(queued, holding, coming);
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
        if (!batch.work(this::admitWaiting)) {
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
      long reserved = batch.reservedBytes();
      while (!waiting.isEmpty()
          && batch.runningCount() + joining.size() < limits.batchPlaces()
          && reserved + waiting.peekFirst().reserved <= limits.maxReservedBytes()) {
        Admitted entry = waiting.pollFirst();
        reserved += entry.reserved;
        joining.add(entry);
      }
    } finally {
      lock.unlock();
    }
    batch.join(joining);
    for (Admitted entry : cancelled) {
      entry.session.cancel();
      batch.complete(entry);
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
    List<Admitted> left;
    lock.lock();
    try {
      closing = true;
      left = new ArrayList<>(waiting);
      waiting.clear();
    } finally {
      lock.unlock();
    }
    batch.failAll(left, RejectedException.shuttingDown());
  }

  /** A request left the batch or ended before joining it: one admitted fewer. */
  private void released() {
    lock.lock();
    try {
      admitted--;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
