package io.gcgserve.engine;

import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GenerationSession;
import io.gcgserve.model.InvalidRequestException;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.StepEvents;
import io.gcgserve.model.StepTimings;
import io.gcgserve.model.StepwiseCaptioner;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.pruners.ModelGeometry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Test double of a stepwise model: each session's prefill has {@link #PREFILL_PIECES} pieces of
 * cost {@link #PIECE_COST}, then it emits tokens {@code t0, t1, ...} up to its {@code
 * max_new_tokens}. A prompt of {@code "invalid"} is refused at open; a prompt {@code "big"}
 * reserves {@link #BIG_RESERVATION} bytes, others {@link #RESERVATION}. Every piece and step is
 * logged in order, so tests can see how the engine interleaves them.
 */
final class ScriptedModel implements StepwiseCaptioner {

  static final ModelGeometry GEOMETRY = new ModelGeometry(4, 4, 4, 32, 64);
  static final int PREFILL_PIECES = 3;
  static final int PIECE_COST = 100;
  static final long RESERVATION = 1_000;
  static final long BIG_RESERVATION = 10_000;

  final List<String> log = Collections.synchronizedList(new ArrayList<>());
  final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
  final AtomicReference<@Nullable Throwable> nextDecodeFailure = new AtomicReference<>();
  final List<Session> opened = Collections.synchronizedList(new ArrayList<>());

  /** A request with this prompt holds its first prefill piece until {@link #gate} opens. */
  static final String GATED = "gated";

  final CountDownLatch gate = new CountDownLatch(1);

  /** A request with this prompt holds its session's close until {@link #closeGate} opens. */
  static final String SLOW_CLOSE = "slow-close";

  final CountDownLatch closeGate = new CountDownLatch(1);

  /** Opens when a {@link #SLOW_CLOSE} request's close starts waiting at the gate. */
  final CountDownLatch closeReached = new CountDownLatch(1);

  /** Opens when a {@link #GATED} request's first piece starts waiting at the gate. */
  final CountDownLatch gateReached = new CountDownLatch(1);

  /**
   * A request with this prompt holds its first decode step, and so the engine thread, until {@link
   * #stepGate} opens.
   */
  static final String SLOW_STEP = "slow-step";

  final CountDownLatch stepGate = new CountDownLatch(1);

  /** Opens when a {@link #SLOW_STEP} request's first decode step starts waiting at the gate. */
  final CountDownLatch stepReached = new CountDownLatch(1);

  @Override
  public ModelInfo info() {
    return new ModelInfo("scripted", GEOMETRY, 64, 512, "describe");
  }

  @Override
  public int promptTokens(String prompt) {
    return 3;
  }

  @Override
  public Session openSession(GenerationRequest request) {
    if (request.prompt().equals("invalid")) {
      throw new InvalidRequestException("prompt too long for the scripted model");
    }
    Session session = new Session(request, "r" + opened.size());
    opened.add(session);
    return session;
  }

  @Override
  public List<StepEvents> decode(List<GenerationSession> sessions, StepTimings timings) {
    batchSizes.add(sessions.size());
    Throwable failure = nextDecodeFailure.getAndSet(null);
    if (failure instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (failure instanceof Error error) {
      throw error;
    }
    List<StepEvents> events = new ArrayList<>();
    for (GenerationSession session : sessions) {
      events.add(((Session) session).step());
    }
    timings.add(StepTimings.Phase.LLM_STEP, 1);
    return events;
  }

  @Override
  public void close() {}

  /** Says it reached {@code gate} and waits for the gate to open. */
  private static void await(CountDownLatch reached, CountDownLatch gate, String what) {
    reached.countDown();
    try {
      if (!gate.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the " + what + " gate never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted at the " + what + " gate", e);
    }
  }

  /** One scripted generation. */
  final class Session implements GenerationSession {
    final GenerationRequest request;
    final String name;
    int piecesRun;
    int generated;
    boolean closed;
    @Nullable FinishReason finish;
    @Nullable PrefillReport report;

    Session(GenerationRequest request, String name) {
      this.request = request;
      this.name = name;
    }

    @Override
    public GenerationRequest request() {
      return request;
    }

    @Override
    public boolean isPrefilling() {
      return report == null && finish == null;
    }

    @Override
    public int nextPrefillCost() {
      return PIECE_COST;
    }

    @Override
    public @Nullable StepEvents advancePrefill() {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      if (request.cancellation().getAsBoolean()) {
        cancel();
        return StepEvents.NONE;
      }
      if (piecesRun == 0 && request.prompt().equals(GATED)) {
        await(gateReached, gate, "prefill");
      }
      log.add(name + " prefill " + piecesRun);
      piecesRun++;
      if (piecesRun < PREFILL_PIECES) {
        return null;
      }
      report = new PrefillReport(3, 16, new int[] {16, 16, 16, 16}, 1.0, 1.0, 0.0);
      return new StepEvents(report, null, token());
    }

    @Nullable StepEvents step() {
      if (closed || report == null || finish != null) {
        throw new IllegalArgumentException(name + " cannot step");
      }
      log.add(name + " step " + generated);
      if (generated == 1 && request.prompt().equals(SLOW_STEP)) {
        await(stepReached, stepGate, "step");
      }
      if (request.cancellation().getAsBoolean()) {
        finish = FinishReason.CANCELLED;
        return StepEvents.NONE;
      }
      return new StepEvents(null, null, token());
    }

    private @Nullable TokenDelta token() {
      TokenDelta delta = new TokenDelta(generated, 10 + generated, " t" + generated);
      generated++;
      if (generated >= request.options().maxNewTokens()) {
        finish = FinishReason.MAX_TOKENS;
      }
      return delta;
    }

    @Override
    public boolean isFinished() {
      return finish != null;
    }

    @Override
    public void cancel() {
      if (finish == null) {
        finish = FinishReason.CANCELLED;
        if (report == null) {
          report = new PrefillReport(3, 16, new int[4], 1.0, 1.0, 0.0);
        }
      }
    }

    @Override
    public GenerationResult result() {
      if (finish == null || report == null) {
        throw new IllegalStateException("not finished");
      }
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < generated; i++) {
        text.append(" t").append(i);
      }
      return new GenerationResult(text.toString(), List.of(), report, generated, 1.0, finish);
    }

    @Override
    public long reservedBytes() {
      return request.prompt().equals("big") ? BIG_RESERVATION : RESERVATION;
    }

    @Override
    public void close() {
      if (request.prompt().equals(SLOW_CLOSE) && !closed) {
        await(closeReached, closeGate, "close");
      }
      closed = true;
    }
  }
}
