package io.gcgserve.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.InvalidRequestException;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.NoPruner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's contract, on a scripted model whose every piece and step is logged; run with the
 * prefill lane ({@link EngineLaneTest}) and without it ({@link EngineOneThreadTest}), which add
 * what is particular to each.
 */
abstract class EngineTest {

  final ScriptedModel model = new ScriptedModel();
  Engine engine;

  /** Whether the engines of this test run prefill on the lane. */
  abstract boolean prefillLane();

  Engine start(int maxBatch, int queue, long maxBytes, int chunkTokens) {
    return start(maxBatch, queue, maxBytes, chunkTokens, 0);
  }

  Engine start(int maxBatch, int queue, long maxBytes, int chunkTokens, int prefillAhead) {
    engine =
        new Engine(
            model,
            new EngineLimits(maxBatch, queue, maxBytes, chunkTokens, prefillLane(), prefillAhead));
    engine.start();
    return engine;
  }

  @AfterEach
  void stop() {
    if (engine != null) {
      engine.close();
    }
  }

  static GenerationRequest request(String prompt, int tokens, BooleanSupplier cancelled) {
    return new GenerationRequest(
        new ImageRgb(2, 2, new int[4]),
        prompt,
        new NoPruner().create(Map.of(), ScriptedModel.GEOMETRY),
        GenerationOptions.greedy(tokens),
        cancelled);
  }

  static GenerationRequest request(int tokens) {
    return request("", tokens, () -> false);
  }

  /**
   * Submits a request that decodes until {@code stop} says so, into {@code sink}, and returns once
   * it has its first two tokens: a stream running when the test's next request arrives.
   */
  void submitDecoding(BooleanSupplier stop, RecordingSink sink) throws InterruptedException {
    engine.submit(request("", 1_000_000, stop), sink);
    while (sink.tokens() < 2) {
      Thread.sleep(1);
    }
  }

  /**
   * A full batch with a request behind it: an engine of one decode row and one place ahead, a
   * stream holding the row, and two requests of three tokens submitted after it ({@code next}
   * first), once the stream took {@code steps} more tokens.
   */
  record FullBatch(
      AtomicBoolean stop, RecordingSink stream, RecordingSink next, RecordingSink after) {

    /** Stops the stream; all three then end: the stream cancelled, the others complete. */
    void finish() throws Exception {
      stop.set(true);
      assertThat(stream.await().finishReason()).isEqualTo(FinishReason.CANCELLED);
      assertThat(next.await().generatedTokens()).isEqualTo(3);
      assertThat(after.await().generatedTokens()).isEqualTo(3);
    }
  }

  FullBatch fullBatch(int steps) throws InterruptedException {
    start(1, 2, 1 << 20, 10_000, 1);
    FullBatch full =
        new FullBatch(
            new AtomicBoolean(), new RecordingSink(), new RecordingSink(), new RecordingSink());
    submitDecoding(full.stop()::get, full.stream());
    engine.submit(request(3), full.next());
    engine.submit(request(3), full.after());
    int before = full.stream().tokens();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (full.stream().tokens() < before + steps && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(full.stream().tokens()).isGreaterThanOrEqualTo(before + steps);
    return full;
  }

  @Test
  void requestsJoinAndLeaveTheBatchBetweenSteps() throws Exception {
    start(4, 8, 1 << 20, 10_000);
    List<RecordingSink> sinks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      RecordingSink sink = new RecordingSink();
      // held out of decode steps until all are submitted, so a loaded machine cannot let the
      // first request finish before the last one arrives
      sink.ready = false;
      engine.submit(request(5 + 3 * i), sink);
      sinks.add(sink);
    }
    // and until the first four prefilled, so that the batch fills whatever order the prefill
    // lane finishes them in
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (sinks.subList(0, 4).stream().anyMatch(sink -> sink.tokens() < 1)
        && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    sinks.forEach(sink -> sink.ready = true);
    engine.wake();
    for (int i = 0; i < 6; i++) {
      GenerationResult result = sinks.get(i).await();
      assertThat(result.finishReason()).isEqualTo(FinishReason.MAX_TOKENS);
      assertThat(result.generatedTokens()).isEqualTo(5 + 3 * i);
      assertThat(sinks.get(i).events.get(0)).isEqualTo("prefill");
      assertThat(sinks.get(i).tokens()).isEqualTo(5 + 3 * i);
    }
    assertThat(model.batchSizes).allMatch(size -> size <= 4);
    assertThat(model.batchSizes.stream().mapToInt(Integer::intValue).max()).hasValue(4);
    EngineStats stats = engine.stats();
    assertThat(stats.running()).isZero();
    assertThat(stats.reservedBytes()).isZero();
    assertThat(stats.decodeTokens()).isEqualTo(sinks.stream().mapToInt(s -> s.tokens() - 1).sum());
    assertThat(stats.decodeRows()).isEqualTo(model.batchSizes.stream().mapToInt(i -> i).sum());
    assertThat(model.opened).allMatch(s -> s.closed);
  }

  @Test
  void aFullEngineRefusesAtOnceAndAdmitsAgainOnceRequestsEnd() throws Exception {
    start(1, 1, 1 << 20, 10_000);
    AtomicBoolean slow = new AtomicBoolean(true);
    RecordingSink first = new RecordingSink();
    first.ready = false;
    engine.submit(request(3), first);
    engine.submit(request(3), new RecordingSink());
    assertThatThrownBy(() -> engine.submit(request(3), new RecordingSink()))
        .isInstanceOf(RejectedException.class)
        .hasMessageContaining("1 request(s) running and 1 waiting")
        .hasMessageContaining("--max-batch")
        .satisfies(
            e ->
                assertThat(((RejectedException) e).reason())
                    .isEqualTo(RejectedException.Reason.FULL));
    first.ready = true;
    slow.set(false);
    engine.wake();
    first.await();
    RecordingSink later = new RecordingSink();
    // the first one's place is free: the second runs and a third may wait
    engine.submit(request(2), later);
    assertThat(later.await().generatedTokens()).isEqualTo(2);
  }

  @Test
  void arrivingCallsCountAgainstTheRoomUntilSubmittedOrClosed() throws Exception {
    start(1, 2, 1 << 20, 10_000);
    RecordingSink first = new RecordingSink();
    first.ready = false;
    engine.submit(request(3), first);
    // one admitted: room for two calls arriving, not three
    Engine.Arrival second = engine.arrive();
    Engine.Arrival third = engine.arrive();
    assertThatThrownBy(engine::arrive)
        .isInstanceOf(RejectedException.class)
        .hasMessageContaining("--queue-capacity");
    assertThat(engine.stats().arriving()).isEqualTo(2);
    // a call that ends unread gives its place up, once however often it is closed
    third.close();
    third.close();
    assertThat(engine.stats().arriving()).isEqualTo(1);
    // the engine admits a request in its call's place: the call is counted once throughout
    RecordingSink secondSink = new RecordingSink();
    secondSink.ready = false;
    engine.submit(request(3), secondSink, second);
    assertThat(engine.stats().arriving()).isZero();
    assertThat(engine.stats().admitted()).isEqualTo(2);
    second.close();
    assertThat(engine.stats().arriving()).isZero();
    Engine.Arrival fourth = engine.arrive();
    assertThatThrownBy(engine::arrive).isInstanceOf(RejectedException.class);
    fourth.close();
    first.ready = true;
    secondSink.ready = true;
    engine.wake();
    first.await();
    secondSink.await();
    // a place is free by the time its request's end is told
    assertThat(engine.stats().admitted()).isZero();
    engine.arrive().close();
    engine.arrive().close();
    engine.arrive().close();
  }

  @Test
  void aRequestHoldsItsPlaceUntilItsSessionIsClosed() throws Exception {
    start(1, 0, 1 << 20, 10_000);
    AtomicBoolean cancel = new AtomicBoolean();
    RecordingSink sink = new RecordingSink();
    engine.submit(request(ScriptedModel.SLOW_CLOSE, 1_000_000, cancel::get), sink);
    while (sink.tokens() < 1) {
      Thread.sleep(1);
    }
    cancel.set(true);
    engine.wake();
    assertThat(model.closeReached.await(10, TimeUnit.SECONDS)).isTrue();
    // out of the batch, and out of the queue, but its memory is not free yet
    EngineStats closing = engine.stats();
    assertThat(closing.waiting()).isZero();
    assertThat(closing.admitted()).isEqualTo(1);
    assertThatThrownBy(engine::arrive).isInstanceOf(RejectedException.class);
    model.closeGate.countDown();
    assertThat(sink.await().finishReason()).isEqualTo(FinishReason.CANCELLED);
    assertThat(engine.stats().admitted()).isZero();
    engine.arrive().close();
  }

  @Test
  void invalidRequestsAreRefusedBySubmitWithTheModelsMessage() {
    start(2, 2, 1 << 20, 10_000);
    Engine.Arrival arrival = engine.arrive();
    assertThatThrownBy(
            () -> engine.submit(request("invalid", 3, () -> false), new RecordingSink(), arrival))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("too long");
    // the refused call's place is free again
    assertThat(engine.stats().arriving()).isZero();
    assertThat(engine.stats().admitted()).isZero();
  }

  @Test
  void aCancelledRequestFreesItsPlaceWithinAnIteration() throws Exception {
    start(1, 1, 1 << 20, 10_000);
    AtomicBoolean cancelRunning = new AtomicBoolean();
    AtomicBoolean cancelWaiting = new AtomicBoolean();
    RecordingSink running = new RecordingSink();
    running.ready = false; // held after its prefill: never stepped
    engine.submit(request("", 50, cancelRunning::get), running);
    RecordingSink waiting = new RecordingSink();
    engine.submit(request("", 50, cancelWaiting::get), waiting);
    cancelWaiting.set(true);
    engine.wake();
    assertThat(waiting.await().finishReason()).isEqualTo(FinishReason.CANCELLED);
    assertThat(waiting.events).isEmpty();
    cancelRunning.set(true);
    engine.wake();
    GenerationResult result = running.await();
    assertThat(result.finishReason()).isEqualTo(FinishReason.CANCELLED);
    RecordingSink next = new RecordingSink();
    engine.submit(request(2), next);
    assertThat(next.await().generatedTokens()).isEqualTo(2);
    assertThat(model.opened).allMatch(s -> s.closed);
  }

  @Test
  void aRequestWaitsUntilItsMemoryFitsAndOneThatNeverFitsIsRefused() throws Exception {
    start(4, 4, ScriptedModel.BIG_RESERVATION + ScriptedModel.RESERVATION, 10_000);
    RecordingSink big = new RecordingSink();
    big.ready = false;
    engine.submit(request("big", 4, () -> false), big);
    RecordingSink small = new RecordingSink();
    engine.submit(request(2), small);
    RecordingSink secondBig = new RecordingSink();
    engine.submit(request("big", 2, () -> false), secondBig);
    small.await();
    // the second big one waits for the first: together they exceed the limit
    Thread.sleep(100);
    assertThat(secondBig.finished).isNotDone();
    assertThat(engine.stats().waiting()).isEqualTo(1);
    big.ready = true;
    engine.wake();
    big.await();
    assertThat(secondBig.await().generatedTokens()).isEqualTo(2);

    engine.close();
    engine = null;
    start(4, 4, ScriptedModel.RESERVATION, 10_000);
    assertThatThrownBy(() -> engine.submit(request("big", 2, () -> false), new RecordingSink()))
        .isInstanceOf(RejectedException.class)
        .hasMessageContaining("--max-kv-mib")
        .hasMessageContaining("lower max_new_tokens");
  }

  @Test
  void aSlowClientHoldsOnlyItsOwnRequest() throws Exception {
    start(4, 4, 1 << 20, 10_000);
    RecordingSink slow = new RecordingSink();
    slow.ready = false;
    engine.submit(request(6), slow);
    RecordingSink fast = new RecordingSink();
    engine.submit(request(6), fast);
    assertThat(fast.await().generatedTokens()).isEqualTo(6);
    // its prefill gives its first token (with the lane, maybe after the fast one ended); no more
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (slow.tokens() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    Thread.sleep(50);
    assertThat(slow.finished).isNotDone();
    assertThat(slow.tokens()).isEqualTo(1);
    slow.ready = true;
    engine.wake();
    assertThat(slow.await().generatedTokens()).isEqualTo(6);
  }

  @Test
  void aFailedDecodeStepFailsOnlyItsRequestsAndTheEngineServesOn() throws Exception {
    start(4, 4, 1 << 20, 10_000);
    RecordingSink sink = new RecordingSink();
    model.nextDecodeFailure.set(new IllegalStateException("native failure"));
    engine.submit(request(4), sink);
    assertThatThrownBy(sink::await).hasMessageContaining("native failure");
    RecordingSink next = new RecordingSink();
    engine.submit(request(3), next);
    assertThat(next.await().generatedTokens()).isEqualTo(3);
    assertThat(engine.stats().running()).isZero();
  }

  @Test
  void aStepOutOfMemoryFailsItsRequestsAndTheEngineServesOn() throws Exception {
    start(4, 4, 1 << 20, 10_000);
    RecordingSink sink = new RecordingSink();
    model.nextDecodeFailure.set(new OutOfMemoryError("native allocation failed"));
    engine.submit(request(4), sink);
    assertThatThrownBy(sink::await).isInstanceOf(OutOfMemoryError.class);
    RecordingSink next = new RecordingSink();
    engine.submit(request(3), next);
    assertThat(next.await().generatedTokens()).isEqualTo(3);
  }

  @Test
  void shutdownLetsRunningRequestsFinishThenRefusesAndFailsTheRest() throws Exception {
    start(1, 2, 1 << 20, 10_000);
    RecordingSink running = new RecordingSink();
    engine.submit(request(5), running);
    RecordingSink stuck = new RecordingSink();
    stuck.ready = false;
    engine.submit(request(5), stuck);
    boolean drained = engine.shutdown(Duration.ofMillis(300));
    assertThat(drained).isFalse();
    assertThat(running.await().finishReason()).isEqualTo(FinishReason.MAX_TOKENS);
    assertThatThrownBy(stuck::await)
        .isInstanceOf(RejectedException.class)
        .hasMessageContaining("shutting down");
    assertThatThrownBy(() -> engine.submit(request(1), new RecordingSink()))
        .isInstanceOf(RejectedException.class)
        .satisfies(
            e ->
                assertThat(((RejectedException) e).reason())
                    .isEqualTo(RejectedException.Reason.SHUTTING_DOWN));
    assertThat(model.opened).allMatch(s -> s.closed);
  }

  @Test
  void limitsAreChecked() {
    boolean lane = prefillLane();
    assertThatThrownBy(() -> new EngineLimits(0, 1, 1, 1, lane, 0))
        .hasMessageContaining("maxBatch");
    assertThatThrownBy(() -> new EngineLimits(1, -1, 1, 1, lane, 0))
        .hasMessageContaining("queueCapacity");
    assertThatThrownBy(() -> new EngineLimits(1, 1, 0, 1, lane, 0))
        .hasMessageContaining("maxReserved");
    assertThatThrownBy(() -> new EngineLimits(1, 1, 1, 0, lane, 0))
        .hasMessageContaining("prefillChunk");
    assertThatThrownBy(() -> new EngineLimits(1, 1, 1, 1, lane, -1))
        .hasMessageContaining("prefillAhead");
    assertThat(new EngineLimits(2, 1, 1, 1, lane, 3).batchPlaces()).isEqualTo(lane ? 5 : 2);
  }
}
