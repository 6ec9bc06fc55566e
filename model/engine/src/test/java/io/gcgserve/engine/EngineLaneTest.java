package io.gcgserve.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.FinishReason;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The engine with the prefill lane: decode steps go on while a prefill piece runs. */
class EngineLaneTest extends EngineTest {

  @Override
  boolean prefillLane() {
    return true;
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
    RecordingSink gated = new RecordingSink();
    engine.submit(request(ScriptedModel.GATED, 3, cancel::get), gated);
    assertThat(model.gateReached.await(30, TimeUnit.SECONDS)).isTrue();
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
  void aRequestArrivingDuringALaneChunkIsPrefilledAndDecodedBesideIt() throws Exception {
    start(4, 4, 1 << 20, 10_000);
    RecordingSink gated = new RecordingSink();
    engine.submit(request(ScriptedModel.GATED, 3, () -> false), gated);
    assertThat(model.gateReached.await(30, TimeUnit.SECONDS)).isTrue();
    try {
      // admitted between two turns of the engine thread, its whole prefill runs there
      RecordingSink later = new RecordingSink();
      engine.submit(request(4), later);
      assertThat(later.await().generatedTokens()).isEqualTo(4);
      assertThat(gated.events).isEmpty();
    } finally {
      model.gate.countDown();
    }
    assertThat(gated.await().generatedTokens()).isEqualTo(3);
  }

  @Test
  void whileARequestDecodesQueuedPrefillsAreLeftToTheLane() throws Exception {
    start(4, 4, 1 << 20, ScriptedModel.PIECE_COST);
    RecordingSink first = new RecordingSink();
    AtomicBoolean stopFirst = new AtomicBoolean();
    RecordingSink gated = gatedBesideAStream(stopFirst, first);
    RecordingSink queued = new RecordingSink();
    try {
      engine.submit(request(2), queued);
      // the engine thread has decode steps to run: it must not take the queued prefill
      int before = first.tokens();
      awaitTokens(first, before + 20);
      assertThat(loggedFor(model.opened.get(2).name)).isEmpty();
    } finally {
      model.gate.countDown();
    }
    assertThat(gated.await().generatedTokens()).isEqualTo(3);
    assertThat(queued.await().generatedTokens()).isEqualTo(2);
    stopFirst.set(true);
    assertThat(first.await().finishReason()).isEqualTo(FinishReason.CANCELLED);
    // the lane runs a prefill to its end, oldest first
    List<String> log;
    synchronized (model.log) {
      log = List.copyOf(model.log);
    }
    assertThat(log.indexOf("r2 prefill 0")).isGreaterThan(log.indexOf("r1 prefill 2"));
  }

  @Test
  void aQueuedPrefillCancelledBehindTheLanesEndsWithoutAPiece() throws Exception {
    start(4, 4, 1 << 20, 10_000);
    RecordingSink first = new RecordingSink();
    AtomicBoolean stopFirst = new AtomicBoolean();
    RecordingSink gated = gatedBesideAStream(stopFirst, first);
    try {
      AtomicBoolean cancel = new AtomicBoolean();
      RecordingSink queued = new RecordingSink();
      engine.submit(request("", 3, cancel::get), queued);
      cancel.set(true);
      assertThat(queued.await().finishReason()).isEqualTo(FinishReason.CANCELLED);
      assertThat(loggedFor(model.opened.get(2).name)).isEmpty();
      assertThat(gated.events).isEmpty();
    } finally {
      model.gate.countDown();
      stopFirst.set(true);
    }
    assertThat(gated.await().generatedTokens()).isEqualTo(3);
    first.await();
    assertThat(model.opened).allMatch(s -> s.closed);
  }

  @Test
  void aBurstIsPrefilledOnBothThreadsUntilARequestCanDecode() throws Exception {
    // the lane holds the first request: with nothing to decode, the engine thread prefills the
    // second in chunks of one piece, giving it back to the queue between them
    start(4, 4, 1 << 20, ScriptedModel.PIECE_COST);
    RecordingSink gated = new RecordingSink();
    engine.submit(request(ScriptedModel.GATED, 3, () -> false), gated);
    assertThat(model.gateReached.await(30, TimeUnit.SECONDS)).isTrue();
    RecordingSink second = new RecordingSink();
    try {
      engine.submit(request(4), second);
      assertThat(second.await().generatedTokens()).isEqualTo(4);
      assertThat(gated.events).isEmpty();
    } finally {
      model.gate.countDown();
    }
    assertThat(gated.await().generatedTokens()).isEqualTo(3);
    assertThat(loggedFor("r1")).startsWith("r1 prefill 0", "r1 prefill 1", "r1 prefill 2");
  }

  private static void awaitTokens(RecordingSink sink, int tokens) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sink.tokens() < tokens && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(sink.tokens()).isGreaterThanOrEqualTo(tokens);
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
    RecordingSink gated = new RecordingSink();
    engine.submit(request(ScriptedModel.GATED, 3, () -> false), gated);
    assertThat(model.gateReached.await(30, TimeUnit.SECONDS)).isTrue();
    return gated;
  }

  @Test
  void aWaitingRequestCancelledDuringALaneChunkEndsBeforeTheChunkDoes() throws Exception {
    start(1, 1, 1 << 20, 10_000);
    RecordingSink gated = new RecordingSink();
    engine.submit(request(ScriptedModel.GATED, 3, () -> false), gated);
    assertThat(model.gateReached.await(30, TimeUnit.SECONDS)).isTrue();
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
