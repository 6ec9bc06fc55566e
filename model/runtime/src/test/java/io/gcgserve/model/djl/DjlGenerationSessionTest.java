package io.gcgserve.model.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GenerationSession;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.StepEvents;
import io.gcgserve.model.StepTimings;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.QueryRows;
import io.gcgserve.pruners.TokenPruner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The session's memory on the bundled checkpoint: between calls it holds its KV pool slot and the
 * two arrays that masks read, nothing else, and closing it gives back everything.
 */
class DjlGenerationSessionTest {

  /**
   * Upper bound of the bytes a session holds between calls (its two mask inputs and its KV slots)
   * over the bytes of its slots. The mask inputs are fixed per image, and a pruned request's slots
   * are smaller, so the ratio is highest for a pruned request; model/README.md (Memory) gives the
   * figures measured on the bundled checkpoint, from which this bound was picked.
   */
  static final double RETAINED_OVER_SLOT_MAX = 2.0;

  private static DjlGroundedCaptioner captioner;

  @BeforeAll
  static void load() {
    captioner = (DjlGroundedCaptioner) GcgModels.loadBundled("cpu");
  }

  @AfterAll
  static void close() {
    captioner.close();
  }

  /** A red disc and a blue square on a green field: something for the model to ground. */
  static ImageRgb scene() {
    int size = 336;
    int[] rgb = new int[size * size];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int colour = 0x3c9a3c;
        if (Math.hypot(x - 100, y - 110) < 50) {
          colour = 0xd02020;
        } else if (x > 190 && x < 290 && y > 170 && y < 270) {
          colour = 0x2040d0;
        }
        rgb[y * size + x] = colour;
      }
    }
    return new ImageRgb(size, size, rgb);
  }

  /** A test pruner that prunes once, after {@link #layer}, ranked by the last prompt token. */
  interface AfterOneLayer extends TokenPruner {
    int layer();

    @Override
    default int[] pruneAfterLayers() {
      return new int[] {layer()};
    }

    @Override
    default QueryRows queryRows() {
      return QueryRows.LAST_PROMPT;
    }
  }

  /** Keeps the first tenth of the live visual tokens after one layer. */
  record TenthAfter(int layer) implements AfterOneLayer {
    @Override
    public KeepSet prune(PruningView view) {
      int[] live = view.liveVisualTokens();
      return new KeepSet(Arrays.copyOf(live, live.length / 10));
    }
  }

  private static GenerationRequest request(TokenPruner pruner, int maxNewTokens) {
    return new GenerationRequest(
        scene(), "", pruner, GenerationOptions.greedy(maxNewTokens), () -> false);
  }

  private static TokenPruner none() {
    return new NoPruner().create(Map.of(), captioner.config().geometry());
  }

  @Test
  void betweenCallsTheSessionHoldsOnlyTheCacheAndWhatMasksRead() {
    for (TokenPruner pruner : List.of(none(), new TenthAfter(2))) {
      int layers = captioner.config().layers();
      try (DjlGenerationSession session = captioner.openSession(request(pruner, 40))) {
        prefill(session);
        double afterPrefill = assertHoldsOnlyCacheAndMaskInputs(session, layers);
        int steps = 0;
        while (!session.isFinished()) {
          step(session);
          steps++;
          assertHoldsOnlyCacheAndMaskInputs(session, layers);
        }
        assertThat(steps).isGreaterThan(5);
        assertThat(afterPrefill).isLessThanOrEqualTo(RETAINED_OVER_SLOT_MAX);
        GenerationResult result = session.result();
        // the mask path ran, so its arrays are among those that must not stay behind
        assertThat(result.phrases()).isNotEmpty();
      }
    }
  }

  /** Asserts what the session holds and returns its bytes and its slot's over the slot's. */
  private static double assertHoldsOnlyCacheAndMaskInputs(
      DjlGenerationSession session, int layers) {
    List<NDArray> held = session.manager().getManagedArrays();
    long bytes = held.stream().mapToLong(KvCache::byteCount).sum();
    long slotBytes = session.cacheBytes();
    // the grounding features and the projected image; the KV cache is a slot per layer of the
    // pool, whose arrays a step writes in place
    assertThat(held).hasSize(2);
    assertThat(slotBytes).isPositive().isLessThanOrEqualTo(session.reservedBytes());
    // one slot per layer, and the pool's arrays hold nothing of the session besides
    assertThat(captioner.pool().takenSlots()).isEqualTo(layers);
    double ratio = (double) (bytes + slotBytes) / slotBytes;
    assertThat(ratio).isLessThanOrEqualTo(RETAINED_OVER_SLOT_MAX);
    return ratio;
  }

  @Test
  void closingTheSessionLeavesTheModelManagerAsItWas() {
    NDManager modelManager = captioner.network().weights().values().iterator().next().getManager();
    // the first session allocates the KV pool, which stays
    captioner.openSession(request(none(), 2)).close();
    Set<NDArray> before = identitySet(modelManager.getManagedArrays());
    DjlGenerationSession session = captioner.openSession(request(new TenthAfter(2), 12));
    prefill(session);
    while (!session.isFinished()) {
      step(session);
    }
    assertThat(modelManager.getManagedArrays()).hasSizeGreaterThan(before.size());
    session.close();
    assertThat(session.manager().isOpen()).isFalse();
    assertThat(identitySet(modelManager.getManagedArrays())).isEqualTo(before);
    assertThatThrownBy(() -> step(session)).hasMessageContaining("closed");
    assertThatThrownBy(session::advancePrefill).hasMessageContaining("closed");
  }

  private static Set<NDArray> identitySet(List<NDArray> arrays) {
    Map<NDArray, Boolean> map = new IdentityHashMap<>();
    arrays.forEach(array -> map.put(array, true));
    return map.keySet();
  }

  @Test
  void drivingTheSessionByHandGivesWhatGenerateGives() {
    Recorder recorder = new Recorder();
    GenerationResult generated = captioner.generate(request(new TenthAfter(2), 30), recorder);
    Recorder byHand = new Recorder();
    GenerationResult result;
    try (DjlGenerationSession session = captioner.openSession(request(new TenthAfter(2), 30))) {
      prefill(session).deliverTo(byHand);
      while (!session.isFinished()) {
        step(session).deliverTo(byHand);
      }
      result = session.result();
    }
    assertThat(result.caption()).isEqualTo(generated.caption());
    assertThat(result.phrases()).isEqualTo(generated.phrases());
    assertThat(byHand.events).isEqualTo(recorder.events);
    assertThat(recorder.events.stream().filter(e -> e.startsWith("phrase")).count())
        .isEqualTo(generated.phrases().size());
  }

  @Test
  void stepsAreRefusedBeforePrefillAndAfterTheEnd() {
    try (DjlGenerationSession session = captioner.openSession(request(none(), 3))) {
      assertThatThrownBy(() -> step(session)).hasMessageContaining("before the prefill ended");
      assertThatThrownBy(session::result).hasMessageContaining("not finished");
      prefill(session);
      assertThatThrownBy(session::advancePrefill).hasMessageContaining("prefill has ended");
      assertThatThrownBy(session::nextPrefillCost).hasMessageContaining("prefill has ended");
      while (!session.isFinished()) {
        step(session);
      }
      assertThat(session.result().generatedTokens()).isLessThanOrEqualTo(3);
      assertThatThrownBy(() -> step(session)).hasMessageContaining("finished");
    }
  }

  /** Runs the whole prefill and returns the events of its last piece. */
  static StepEvents prefill(GenerationSession session) {
    StepEvents events = null;
    while (session.isPrefilling()) {
      events = session.advancePrefill();
    }
    return java.util.Objects.requireNonNull(events);
  }

  /** One decode step of {@code session} alone. */
  static StepEvents step(GenerationSession session) {
    return captioner.decode(List.of(session), new StepTimings()).get(0);
  }

  @Test
  void betweenPrefillPiecesOnlyTheNextLayersInputAndItsTablesStay() {
    int layers = captioner.config().layers();
    try (DjlGenerationSession session = captioner.openSession(request(new TenthAfter(2), 8))) {
      int pieces = 0;
      int[] costs = new int[layers + 1];
      while (session.isPrefilling()) {
        costs[pieces] = session.nextPrefillCost();
        StepEvents events = session.advancePrefill();
        pieces++;
        if (session.isPrefilling()) {
          assertThat(events).isNull();
          int layersRun = pieces - 1;
          // the two mask inputs, and the prefill's next input, RoPE tables (cos, sin) and causal
          // mask; the layers run so far wrote their cache into the session's pool slot
          assertThat(layersRun).isLessThan(layers);
          assertThat(session.manager().getManagedArrays()).hasSize(2 + 4);
        }
      }
      assertThat(pieces).isEqualTo(layers + 1);
      int visual = captioner.config().visualTokens();
      int full = costs[0];
      // pieces: the encoders, then layers 0, 1, 2 over every token, then layers 3.. over what
      // the pruner kept after layer 2: a tenth of the visual tokens
      assertThat(costs[1]).isEqualTo(full);
      assertThat(costs[3]).isEqualTo(full);
      assertThat(costs[4]).isEqualTo(full - visual + visual / 10);
      assertHoldsOnlyCacheAndMaskInputs(session, layers);
    }
  }

  @Test
  void aRequestCancelledBetweenPrefillLayersStopsThereAndKeepsNothingMore() {
    int layers = captioner.config().layers();
    AtomicBoolean cancelled = new AtomicBoolean();
    GenerationRequest request =
        new GenerationRequest(scene(), "", none(), GenerationOptions.greedy(8), cancelled::get);
    try (DjlGenerationSession session = captioner.openSession(request)) {
      for (int piece = 0; piece < 4; piece++) {
        session.advancePrefill();
      }
      cancelled.set(true);
      assertThat(session.advancePrefill()).isEqualTo(StepEvents.NONE);
      assertThat(session.isPrefilling()).isFalse();
      assertThat(session.isFinished()).isTrue();
      GenerationResult result = session.result();
      assertThat(result.finishReason()).isEqualTo(FinishReason.CANCELLED);
      assertThat(result.generatedTokens()).isZero();
      // three layers ran (their cache is in the pool slot): the two mask inputs stay until
      // close, nothing else
      assertThat(result.prefill().visualTokensPerLayer())
          .containsExactly(expectedLayersRun(3, layers, captioner.config().visualTokens()));
      assertThat(session.manager().getManagedArrays()).hasSize(2);
      assertThatThrownBy(() -> step(session)).hasMessageContaining("finished");
    }
  }

  @Test
  void aPrunerThatGivesUpOnACancelledRequestEndsItsPrefill() {
    int layers = captioner.config().layers();
    AtomicBoolean cancelled = new AtomicBoolean();
    GenerationRequest request =
        new GenerationRequest(
            scene(),
            "",
            new GivesUpWhenCancelled(2, cancelled::set),
            GenerationOptions.greedy(8),
            cancelled::get);
    try (DjlGenerationSession session = captioner.openSession(request)) {
      for (int piece = 0; piece < 3; piece++) {
        assertThat(session.advancePrefill()).isNull(); // the encoders, layers 0 and 1
      }
      // layer 2 runs, then its pruner sees the request cancelled and gives up
      assertThat(session.advancePrefill()).isEqualTo(StepEvents.NONE);
      assertThat(session.isFinished()).isTrue();
      GenerationResult result = session.result();
      assertThat(result.finishReason()).isEqualTo(FinishReason.CANCELLED);
      assertThat(result.prefill().visualTokensPerLayer())
          .containsExactly(expectedLayersRun(3, layers, captioner.config().visualTokens()));
      assertThat(session.manager().getManagedArrays()).hasSize(2);
    }
  }

  @Test
  void aCancellationExceptionOfAPrunerWhoseRequestGoesOnIsAFailure() {
    // a pruner that throws CancellationException without its request being cancelled is faulty:
    // the session must not pass that off as the client's cancellation
    GenerationRequest request =
        new GenerationRequest(
            scene(),
            "",
            new GivesUpWhenCancelled(0, cancel -> {}),
            GenerationOptions.greedy(8),
            () -> false);
    try (DjlGenerationSession session = captioner.openSession(request)) {
      session.advancePrefill();
      assertThatThrownBy(session::advancePrefill).isInstanceOf(CancellationException.class);
    }
  }

  /**
   * After {@code layer}, cancels its request through {@code cancel} (as a client would while a long
   * pruner runs) and then gives up the way ALTP's SLIC does, if the view says cancelled.
   */
  record GivesUpWhenCancelled(int layer, Consumer<Boolean> cancel) implements AfterOneLayer {
    @Override
    public KeepSet prune(PruningView view) {
      cancel.accept(true);
      if (view.cancelled()) {
        throw new CancellationException("gave up");
      }
      throw new CancellationException("gave up without a cancellation");
    }
  }

  private static int[] expectedLayersRun(int run, int layers, int visual) {
    int[] counts = new int[layers];
    Arrays.fill(counts, 0, run, visual);
    return counts;
  }

  @Test
  void cancelEndsADecodingSessionWithoutMoreWork() {
    try (DjlGenerationSession session = captioner.openSession(request(none(), 20))) {
      prefill(session);
      step(session);
      session.cancel();
      assertThat(session.result().finishReason()).isEqualTo(FinishReason.CANCELLED);
      assertThat(session.result().generatedTokens()).isEqualTo(2);
      session.cancel();
      assertThat(session.result().finishReason()).isEqualTo(FinishReason.CANCELLED);
    }
  }

  @Test
  void aDecodeBatchRefusesSessionsThatCannotStep() {
    try (DjlGenerationSession a = captioner.openSession(request(none(), 5));
        DjlGenerationSession b = captioner.openSession(request(none(), 5))) {
      prefill(a);
      StepTimings timings = new StepTimings();
      assertThatThrownBy(() -> captioner.decode(List.of(a, b), timings))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("before the prefill ended");
      assertThatThrownBy(() -> captioner.decode(List.of(a, a), timings))
          .hasMessageContaining("twice");
      // nothing moved: a still steps as if the refused batches never happened
      assertThat(step(a).token()).isNotNull();
    }
  }

  /** Records every event as a line, in order. */
  static final class Recorder implements GenerationListener {
    final List<String> events = new ArrayList<>();

    @Override
    public void onPrefill(PrefillReport report) {
      events.add("prefill " + Arrays.toString(report.visualTokensPerLayer()));
    }

    @Override
    public void onToken(TokenDelta delta) {
      events.add("token " + delta.index() + " " + delta.tokenId() + " " + delta.text());
    }

    @Override
    public void onGroundedPhrase(GroundedPhrase phrase) {
      events.add(
          "phrase "
              + phrase.index()
              + " "
              + phrase.phrase()
              + " "
              + phrase.charStart()
              + "-"
              + phrase.charEnd()
              + " "
              + phrase.mask().area()
              + " "
              + phrase.mask().pixels().hashCode());
    }
  }
}
