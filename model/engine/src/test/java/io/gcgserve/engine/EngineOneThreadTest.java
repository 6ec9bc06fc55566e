package io.gcgserve.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.FinishReason;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The engine with one thread for prefill and decode: how chunks and steps take turns. */
class EngineOneThreadTest extends EngineTest {

  @Override
  boolean prefillLane() {
    return false;
  }

  @Test
  void withoutTheLaneAFullBatchPrefillsNothingAhead() throws Exception {
    // --prefill-ahead needs the lane: here prefill would take the full batch's thread
    FullBatch full = fullBatch(20);
    assertThat(full.next().events).isEmpty();
    assertThat(engine.stats().running()).isEqualTo(1);
    assertThat(engine.stats().waiting()).isEqualTo(2);
    full.finish();
  }

  @Test
  void aLongPrefillIsCutIntoChunksBetweenDecodeSteps() throws Exception {
    // a chunk of one piece: the decoding request steps between every two pieces of the newcomer
    start(4, 4, 1 << 20, ScriptedModel.PIECE_COST);
    List<String> log = interleaving();
    int p0 = log.indexOf("r1 prefill 0");
    int p1 = log.indexOf("r1 prefill 1");
    int p2 = log.indexOf("r1 prefill 2");
    assertThat(log.subList(p0, p1)).anyMatch(line -> line.startsWith("r0 step"));
    assertThat(log.subList(p1, p2)).anyMatch(line -> line.startsWith("r0 step"));
  }

  @Test
  void aWholePrefillFitsOneChunkWhenTheBudgetAllows() throws Exception {
    start(4, 4, 1 << 20, ScriptedModel.PREFILL_PIECES * ScriptedModel.PIECE_COST);
    List<String> log = interleaving();
    assertThat(log.indexOf("r1 prefill 2") - log.indexOf("r1 prefill 0")).isEqualTo(2);
  }

  /**
   * Runs a second request's prefill while a first one decodes (until cancelled once the second
   * ended) and returns the model's log.
   */
  private List<String> interleaving() throws Exception {
    AtomicBoolean stopFirst = new AtomicBoolean();
    RecordingSink first = new RecordingSink();
    submitDecoding(stopFirst::get, first);
    RecordingSink second = new RecordingSink();
    engine.submit(request(3), second);
    second.await();
    stopFirst.set(true);
    assertThat(first.await().finishReason()).isEqualTo(FinishReason.CANCELLED);
    synchronized (model.log) {
      return List.copyOf(model.log);
    }
  }

  @Test
  void aRequestCancelledDuringAnotherPrefillEndsBeforeItsNextPiece() throws Exception {
    // a chunk that holds the newcomer's whole prefill: without a look between pieces, the
    // cancelled request would hold its place until the chunk and a decode step ran
    start(4, 4, 1 << 20, ScriptedModel.PREFILL_PIECES * ScriptedModel.PIECE_COST);
    RecordingSink first =
        new RecordingSink() {
          @Override
          public void onFinished(io.gcgserve.model.GenerationResult result) {
            model.log.add("r0 ended");
            super.onFinished(result);
          }
        };
    submitDecoding(() -> model.log.contains("r1 prefill 1"), first);
    RecordingSink second = new RecordingSink();
    engine.submit(request(3), second);
    second.await();
    assertThat(first.await().finishReason()).isEqualTo(FinishReason.CANCELLED);
    List<String> log;
    synchronized (model.log) {
      log = List.copyOf(model.log);
    }
    assertThat(log.indexOf("r0 ended"))
        .isBetween(log.indexOf("r1 prefill 1"), log.indexOf("r1 prefill 2"));
  }
}
