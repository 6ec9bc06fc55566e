package io.gcgserve.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.FinishReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The engine with the prefill lane: decode steps go on while a prefill piece runs. */
class EngineLaneTest extends EngineTest {

  @Override
  boolean prefillLane() {
    return true;
  }

  @Test
  void aFullBatchLetsTheLanePrefillAheadAndHandOutFirstTokens() throws Exception {
    // one decode row, one place ahead: the next request prefills and has its first token while
    // the stream holds the row; the one after it waits for a place
    FullBatch full = fullBatch(20);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (full.next().tokens() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    // and no second token while the stream holds the only row
    int before = full.stream().tokens();
    while (full.stream().tokens() < before + 20 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(full.next().events).containsExactly("prefill", "token t0");
    assertThat(full.after().events).isEmpty();
    assertThat(engine.stats().running()).isEqualTo(2);
    assertThat(engine.stats().waiting()).isEqualTo(1);
    full.finish();
    assertThat(model.batchSizes).allMatch(size -> size == 1);
    assertThat(model.opened).allMatch(s -> s.closed);
  }

  @Test
  void decodeStepsGoOnWhileAPrefillPieceRuns() throws Exception {
    start(4, 4, 1 << 20, 10_000);
    RecordingSink first = new RecordingSink();
    AtomicBoolean stopFirst = new AtomicBoolean();
    RecordingSink gated = gatedBesideAStream(stopFirst, first);
    // the newcomer's first piece is held on the lane: the first request must keep decoding
    int before = first.tokens();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try {
      while (first.tokens() < before + 5 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(first.tokens()).isGreaterThanOrEqualTo(before + 5);
      assertThat(gated.events).isEmpty();
    } finally {
      model.gate.countDown();
    }
    assertThat(gated.await().generatedTokens()).isEqualTo(3);
    stopFirst.set(true);
    assertThat(first.await().finishReason()).isEqualTo(FinishReason.CANCELLED);
    assertThat(model.opened).allMatch(s -> s.closed);
  }

  @Test
  void aRequestCancelledDuringItsPieceOnTheLaneEndsBeforeItsNextPiece() throws Exception {
    start(4, 4, 1 << 20, 10_000);
    AtomicBoolean cancel = new AtomicBoolean();
    RecordingSink gated = heldOnTheLane(cancel::get);
    cancel.set(true);
    model.gate.countDown();
    assertThat(gated.await().finishReason()).isEqualTo(FinishReason.CANCELLED);
    List<String> log;
    synchronized (model.log) {
      log = List.copyOf(model.log);
    }
    assertThat(log).containsExactly("r0 prefill 0");
    RecordingSink next = new RecordingSink();
    engine.submit(request(2), next);
    assertThat(next.await().generatedTokens()).isEqualTo(2);
    assertThat(model.opened).allMatch(s -> s.closed);
  }

  @Test
  void aPrefillCancelledOnTheLaneEndsThereWhileTheEngineThreadIsInADecodeStep() throws Exception {
    start(4, 4, 1 << 20, 10_000);
    AtomicBoolean cancel = new AtomicBoolean();
    RecordingSink gated = heldOnTheLane(cancel::get);
    // prefilled by the engine thread beside the held lane; its first decode step holds that thread
    RecordingSink slow = new RecordingSink();
    engine.submit(request(ScriptedModel.SLOW_STEP, 3, () -> false), slow);
    assertThat(model.stepReached.await(30, TimeUnit.SECONDS)).isTrue();
    try {
      cancel.set(true);
      model.gate.countDown();
      // ended by the lane, before its next piece, while the engine thread is still in the step
      assertThat(gated.finished.get(30, TimeUnit.SECONDS).finishReason())
          .isEqualTo(FinishReason.CANCELLED);
      assertThat(model.opened.get(0).closed).isTrue();
      assertThat(engine.stats().admitted()).isEqualTo(1);
    } finally {
      model.stepGate.countDown();
    }
    assertThat(slow.await().generatedTokens()).isEqualTo(3);
    assertThat(loggedFor("r0")).containsExactly("r0 prefill 0");
    // the engine thread took the ended request out of its batch, and the batch serves on
    RecordingSink next = new RecordingSink();
    engine.submit(request(2), next);
    assertThat(next.await().generatedTokens()).isEqualTo(2);
    assertThat(engine.stats().running()).isZero();
    assertThat(engine.stats().reservedBytes()).isZero();
    assertThat(gated.events).isEmpty();
  }

  @Test
  void aRequestArrivingDuringALanePrefillIsPrefilledAndDecodedBesideIt() throws Exception {
    // chunks of one piece: the engine thread takes the newcomer from the lane's queue and gives
    // it back between its pieces, while the lane holds the first request
    start(4, 4, 1 << 20, ScriptedModel.PIECE_COST);
    RecordingSink gated = heldOnTheLane(() -> false);
    try {
      RecordingSink later = new RecordingSink();
      engine.submit(request(4), later);
      assertThat(later.await().generatedTokens()).isEqualTo(4);
      assertThat(gated.events).isEmpty();
    } finally {
      model.gate.countDown();
    }
    assertThat(gated.await().generatedTokens()).isEqualTo(3);
    assertThat(loggedFor("r1")).startsWith("r1 prefill 0", "r1 prefill 1", "r1 prefill 2");
  }

  @Test
  void theEngineThreadPrefillsAChunkBetweenTwoDecodeSteps() throws Exception {
    // a chunk of two pieces: the third request's three pieces take two turns
    start(4, 4, 1 << 20, 2 * ScriptedModel.PIECE_COST);
    assertThat(piecesBetweenSteps()).containsExactly(2, 1);
  }

  @Test
  void aChunkLargerThanAPrefillRunsItBetweenTwoDecodeSteps() throws Exception {
    start(4, 4, 1 << 20, 10_000);
    assertThat(piecesBetweenSteps()).containsExactly(3);
  }

  @Test
  void aPrefillCancelledBehindTheLanesEndsWhileTheLaneIsHeld() throws Exception {
    start(4, 4, 1 << 20, 10_000);
    RecordingSink first = new RecordingSink();
    AtomicBoolean stopFirst = new AtomicBoolean();
    RecordingSink gated = gatedBesideAStream(stopFirst, first);
    try {
      AtomicBoolean cancel = new AtomicBoolean();
      RecordingSink queued = new RecordingSink();
      engine.submit(request("", 3, cancel::get), queued);
      cancel.set(true);
      // withdrawn from the lane's queue, or ended by its session before the engine thread's next
      // piece of it: either way without the lane
      assertThat(queued.await().finishReason()).isEqualTo(FinishReason.CANCELLED);
      assertThat(queued.tokens()).isZero();
      assertThat(gated.events).isEmpty();
    } finally {
      model.gate.countDown();
      stopFirst.set(true);
    }
    assertThat(gated.await().generatedTokens()).isEqualTo(3);
    first.await();
    assertThat(model.opened).allMatch(s -> s.closed);
  }

  /**
   * Submits a request of 3 tokens whose first prefill piece holds at the model's gate, and returns
   * its sink once the piece is there.
   */
  private RecordingSink heldOnTheLane(BooleanSupplier cancelled) throws InterruptedException {
    RecordingSink gated = new RecordingSink();
    engine.submit(request(ScriptedModel.GATED, 3, cancelled), gated);
    assertThat(model.gateReached.await(30, TimeUnit.SECONDS)).isTrue();
    return gated;
  }

  /** The model's log lines of the request named {@code name}, in order. */
  private List<String> loggedFor(String name) {
    synchronized (model.log) {
      return model.log.stream().filter(line -> line.startsWith(name + " ")).toList();
    }
  }

  /**
   * Submits a stream that decodes until {@code stop} says so, into {@code first}, then a request
   * whose first prefill piece is held on the lane; returns that request's sink once it is held.
   */
  private RecordingSink gatedBesideAStream(AtomicBoolean stop, RecordingSink first)
      throws InterruptedException {
    submitDecoding(stop::get, first);
    return heldOnTheLane(() -> false);
  }

  /**
   * Holds a prefill on the lane while a stream decodes, submits a third request and returns how
   * many of its prefill pieces the engine thread ran between two decode steps of the stream, run by
   * run.
   */
  private List<Integer> piecesBetweenSteps() throws Exception {
    RecordingSink first = new RecordingSink();
    AtomicBoolean stopFirst = new AtomicBoolean();
    RecordingSink gated = gatedBesideAStream(stopFirst, first);
    List<String> log;
    try {
      RecordingSink later = new RecordingSink();
      engine.submit(request(2), later);
      assertThat(later.await().generatedTokens()).isEqualTo(2);
      synchronized (model.log) {
        log = List.copyOf(model.log);
      }
    } finally {
      model.gate.countDown();
      stopFirst.set(true);
    }
    gated.await();
    first.await();
    String stream = model.opened.get(0).name + " step";
    String third = model.opened.get(2).name + " prefill";
    List<Integer> runs = new ArrayList<>();
    int run = 0;
    for (String line : log) {
      if (line.startsWith(third)) {
        run++;
      } else if (line.startsWith(stream) && run > 0) {
        runs.add(run);
        run = 0;
      }
    }
    if (run > 0) {
      runs.add(run);
    }
    return runs;
  }

  @Test
  void aWaitingRequestCancelledDuringALaneChunkEndsBeforeTheChunkDoes() throws Exception {
    start(1, 1, 1 << 20, 10_000);
    RecordingSink gated = heldOnTheLane(() -> false);
    try {
      // a running request that decodes keeps the engine thread taking turns; the batch of one is
      // full, so the newcomer waits in the queue
      AtomicBoolean cancel = new AtomicBoolean();
      RecordingSink waiting = new RecordingSink();
      engine.submit(request("", 3, cancel::get), waiting);
      cancel.set(true);
      engine.wake();
      assertThat(waiting.await().finishReason()).isEqualTo(FinishReason.CANCELLED);
      assertThat(gated.events).isEmpty();
    } finally {
      model.gate.countDown();
    }
    assertThat(gated.await().generatedTokens()).isEqualTo(3);
  }
}
