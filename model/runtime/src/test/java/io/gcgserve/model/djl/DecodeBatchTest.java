package io.gcgserve.model.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationSession;
import io.gcgserve.model.StepEvents;
import io.gcgserve.model.StepTimings;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.TokenPruner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A batched decode step gives each session exactly what stepping it alone gives: same tokens, same
 * masks, in a batch that mixes pruned and unpruned requests, different prompts, and sessions that
 * join late and leave early.
 */
class DecodeBatchTest {

  private static DjlGroundedCaptioner captioner;

  @BeforeAll
  static void load() {
    captioner = (DjlGroundedCaptioner) GcgModels.loadBundled("cpu");
  }

  @AfterAll
  static void close() {
    captioner.close();
  }

  /** The test scene shifted by {@code offset} pixels, so that each request sees another image. */
  private static ImageRgb shifted(int offset) {
    ImageRgb scene = DjlGenerationSessionTest.scene();
    int size = scene.width();
    int[] rgb = new int[size * size];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        rgb[y * size + x] = scene.rgb()[y * size + (x + offset) % size];
      }
    }
    return new ImageRgb(size, size, rgb);
  }

  private record Case(ImageRgb image, String prompt, TokenPruner pruner, int maxNewTokens) {
    GenerationRequest request() {
      return new GenerationRequest(
          image, prompt, pruner, GenerationOptions.greedy(maxNewTokens), () -> false);
    }
  }

  private static List<Case> cases() {
    TokenPruner none = new NoPruner().create(Map.of(), captioner.config().geometry());
    String shortPrompt = "describe the image .";
    return List.of(
        new Case(shifted(0), "", none, 48),
        new Case(shifted(40), "", new DjlGenerationSessionTest.TenthAfter(2), 48),
        new Case(shifted(90), shortPrompt, none, 20),
        new Case(shifted(150), shortPrompt, new DjlGenerationSessionTest.TenthAfter(1), 48),
        new Case(shifted(200), "", new DjlGenerationSessionTest.TenthAfter(4), 6));
  }

  @Test
  void aStepReadsNoSlotAboveTheHighestOfItsRows() {
    TokenPruner none = new NoPruner().create(Map.of(), captioner.config().geometry());
    List<DjlGenerationSession> sessions = new ArrayList<>();
    try (NDManager scope = NDManager.newBaseManager()) {
      for (int i = 0; i < 3; i++) {
        DjlGenerationSession session =
            captioner.openSession(new Case(shifted(30 * i), "", none, 8).request());
        DjlGenerationSessionTest.prefill(session);
        sessions.add(session);
      }
      // unpruned and alike, the three share one class per layer and take its slots in turn
      int layers = captioner.config().layers();
      for (int layer = 0; layer < layers; layer++) {
        int[] slots = new int[3];
        for (int i = 0; i < 3; i++) {
          slots[i] = sessions.get(i).cache().slot(layer).index();
        }
        assertThat(slots[2]).isGreaterThan(Math.max(slots[0], slots[1]));
        PooledAttention lower = PooledAttention.of(scope, sessions.subList(0, 2));
        assertThat(lower.slotsRead(layer))
            .as("layer %d, rows in slots %d and %d", layer, slots[0], slots[1])
            .isEqualTo(Math.max(slots[0], slots[1]) + 1);
        PooledAttention all = PooledAttention.of(scope, sessions);
        assertThat(all.slotsRead(layer)).isEqualTo(slots[2] + 1);
      }
    } finally {
      sessions.forEach(GenerationSession::close);
    }
  }

  @Test
  void batchedStepsGiveWhatEachSessionAloneGives() {
    List<Case> cases = cases();
    List<List<String>> alone = new ArrayList<>();
    for (Case c : cases) {
      DjlGenerationSessionTest.Recorder recorder = new DjlGenerationSessionTest.Recorder();
      captioner.generate(c.request(), recorder);
      alone.add(recorder.events);
    }
    // session i joins the batch at step 3 * i; short ones leave early
    List<DjlGenerationSessionTest.Recorder> batched = new ArrayList<>();
    List<GenerationSession> sessions = new ArrayList<>();
    StepTimings timings = new StepTimings();
    try {
      int step = 0;
      int joined = 0;
      while (joined < cases.size() || sessions.stream().anyMatch(s -> !s.isFinished())) {
        if (joined < cases.size() && step == 3 * joined) {
          GenerationSession session = captioner.openSession(cases.get(joined).request());
          DjlGenerationSessionTest.Recorder recorder = new DjlGenerationSessionTest.Recorder();
          DjlGenerationSessionTest.prefill(session).deliverTo(recorder);
          sessions.add(session);
          batched.add(recorder);
          joined++;
        }
        List<GenerationSession> running = new ArrayList<>();
        List<DjlGenerationSessionTest.Recorder> listeners = new ArrayList<>();
        for (int i = 0; i < sessions.size(); i++) {
          if (!sessions.get(i).isFinished()) {
            running.add(sessions.get(i));
            listeners.add(batched.get(i));
          }
        }
        List<StepEvents> events = captioner.decode(running, timings);
        for (int i = 0; i < events.size(); i++) {
          events.get(i).deliverTo(listeners.get(i));
        }
        step++;
      }
    } finally {
      sessions.forEach(GenerationSession::close);
    }
    for (int i = 0; i < cases.size(); i++) {
      assertThat(batched.get(i).events).as("case %d", i).isEqualTo(alone.get(i));
    }
    assertThat(
            alone.stream()
                .mapToLong(e -> e.stream().filter(l -> l.startsWith("phrase")).count())
                .sum())
        .as("the masks were compared")
        .isGreaterThan(3);
    assertThat(timings.nanos(StepTimings.Phase.LLM_STEP)).isPositive();
    assertThat(timings.nanos(StepTimings.Phase.MASK_DECODE)).isPositive();
    assertThat(timings.nanos(StepTimings.Phase.GLANCE)).isPositive();
  }
}
