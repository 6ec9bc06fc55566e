package io.gcgserve.model.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.InvalidRequestException;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.QueryRows;
import io.gcgserve.pruners.TokenPruner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GenerationTest {

  private static DjlGroundedCaptioner captioner;
  private static final ImageRgb IMAGE = TinyModels.image(80, 60, 7);
  private static final TokenPruner NONE =
      new NoPruner().create(java.util.Map.of(), TinyModels.config(30).geometry());

  @BeforeAll
  static void load() {
    captioner = TinyModels.captioner(42);
  }

  @AfterAll
  static void close() {
    captioner.close();
  }

  private static GenerationRequest request(TokenPruner pruner, int maxNewTokens) {
    return new GenerationRequest(
        IMAGE, "", pruner, GenerationOptions.greedy(maxNewTokens), () -> false);
  }

  /** Collects everything a listener sees. */
  static final class Recorder implements GenerationListener {
    final List<TokenDelta> tokens = new ArrayList<>();
    final List<GroundedPhrase> phrases = new ArrayList<>();
    PrefillReport prefill;

    @Override
    public void onPrefill(PrefillReport report) {
      prefill = report;
    }

    @Override
    public void onToken(TokenDelta delta) {
      tokens.add(delta);
    }

    @Override
    public void onGroundedPhrase(GroundedPhrase phrase) {
      phrases.add(phrase);
    }
  }

  @Test
  void promptTokensCountsWhatThePrefillReports() {
    for (String prompt : new String[] {"", "describe the red star"}) {
      Recorder recorder = new Recorder();
      captioner.generate(
          new GenerationRequest(IMAGE, prompt, NONE, GenerationOptions.greedy(1), () -> false),
          recorder);
      assertThat(captioner.promptTokens(prompt)).isEqualTo(recorder.prefill.promptTokens());
    }
    assertThat(captioner.promptTokens("describe the red star"))
        .isNotEqualTo(captioner.promptTokens(""));
  }

  @Test
  void kvCachedDecodingMatchesTheTeacherForcedForward() {
    List<float[]> decoded = new ArrayList<>();
    Recorder recorder = new Recorder();
    GenerationResult result = captioner.generate(request(NONE, 12), recorder, decoded::add);
    int[] generated = recorder.tokens.stream().mapToInt(TokenDelta::tokenId).toArray();
    assertThat(generated).isNotEmpty();

    GcgNetwork network = captioner.network();
    int[] suffix = captioner.tokenizer().promptIds(network.config().defaultPrompt());
    long[] text = new long[suffix.length + generated.length];
    for (int i = 0; i < suffix.length; i++) {
      text[i] = suffix[i];
    }
    for (int i = 0; i < generated.length; i++) {
      text[suffix.length + i] = generated[i];
    }
    try (NDManager manager = NDManager.newBaseManager()) {
      ImageRgb resized = Images.resize(IMAGE, 64, 64);
      NDArray hidden =
          network.forwardTokens(
              network.encodeVision(Images.toTensor(manager, resized)),
              manager.create(new long[] {captioner.tokenizer().id(GcgTokenizer.BOS)}).reshape(1, 1),
              manager.create(text).reshape(1, -1));
      float[][] full = new float[generated.length][];
      int firstPrediction = 1 + network.config().visualTokens() + suffix.length - 1;
      NDArray logits = network.logits(hidden);
      for (int i = 0; i < generated.length; i++) {
        full[i] = logits.get(0, firstPrediction + i).toFloatArray();
      }
      for (int i = 0; i < generated.length; i++) {
        assertThat(relativeError(decoded.get(i), full[i])).as("step %d", i).isLessThan(1e-4);
      }
    }
    assertThat(result.generatedTokens()).isEqualTo(generated.length);
  }

  /** {@code |actual − expected| / |expected|} over the whole vector (Euclidean norms). */
  static double relativeError(float[] actual, float[] expected) {
    double difference = 0;
    double norm = 0;
    for (int i = 0; i < actual.length; i++) {
      difference += Math.pow(actual[i] - expected[i], 2);
      norm += Math.pow(expected[i], 2);
    }
    return Math.sqrt(difference / Math.max(norm, 1e-30));
  }

  /** Keeps every live token after the given layers, recording what it saw. */
  static final class KeepAll implements TokenPruner {
    final int[] layers;
    final List<int[]> liveSeen = new ArrayList<>();

    KeepAll(int... layers) {
      this.layers = layers;
    }

    @Override
    public int[] pruneAfterLayers() {
      return layers;
    }

    @Override
    public QueryRows queryRows() {
      return QueryRows.LAST_PROMPT;
    }

    @Override
    public KeepSet prune(PruningView view) {
      liveSeen.add(view.liveVisualTokens().clone());
      assertThat(view.attentionToVisual()).hasSameSizeAs(view.liveVisualTokens());
      return new KeepSet(view.liveVisualTokens());
    }
  }

  @Test
  void keepAllPrunerGivesIdenticalLogitsToNoPruner() {
    List<float[]> baseline = new ArrayList<>();
    List<float[]> keepAll = new ArrayList<>();
    captioner.generate(request(NONE, 6), new Recorder(), baseline::add);
    KeepAll pruner = new KeepAll(0, 2);
    captioner.generate(request(pruner, 6), new Recorder(), keepAll::add);
    assertThat(pruner.liveSeen).hasSize(2);
    assertThat(keepAll).hasSameSizeAs(baseline);
    for (int i = 0; i < baseline.size(); i++) {
      assertThat(keepAll.get(i)).containsExactly(baseline.get(i));
    }
  }

  /** Keeps the first half of the live tokens (by grid index) after one layer. */
  static final class HalfAfter implements TokenPruner {
    final int layer;

    HalfAfter(int layer) {
      this.layer = layer;
    }

    @Override
    public int[] pruneAfterLayers() {
      return new int[] {layer};
    }

    @Override
    public QueryRows queryRows() {
      return QueryRows.ALL_TEXT;
    }

    @Override
    public KeepSet prune(PruningView view) {
      int[] live = view.liveVisualTokens();
      return new KeepSet(Arrays.copyOf(live, live.length / 2));
    }
  }

  @Test
  void pruningAfterLayerKLeavesEarlierLayersUnchangedAndShortensLaterOnes() {
    Recorder recorder = new Recorder();
    List<float[]> pruned = new ArrayList<>();
    captioner.generate(request(new HalfAfter(1), 4), recorder, pruned::add);
    int visual = captioner.network().config().visualTokens();
    assertThat(recorder.prefill.visualTokensPerLayer())
        .containsExactly(visual, visual, visual / 2, visual / 2);
    assertThat(recorder.prefill.flopsRatio()).isStrictlyBetween(0.0, 1.0);

    // the same pruning after the last prunable layer changes only that layer onwards
    Recorder late = new Recorder();
    captioner.generate(request(new HalfAfter(2), 4), late, logits -> {});
    assertThat(late.prefill.visualTokensPerLayer())
        .containsExactly(visual, visual, visual, visual / 2);

    List<float[]> baseline = new ArrayList<>();
    captioner.generate(request(NONE, 4), new Recorder(), baseline::add);
    assertThat(pruned.get(0)).isNotEqualTo(baseline.get(0));
  }

  @Test
  void cancellationStopsWithinOneStep() {
    AtomicInteger tokens = new AtomicInteger();
    GenerationListener listener =
        new GenerationListener() {
          @Override
          public void onToken(TokenDelta delta) {
            tokens.incrementAndGet();
          }
        };
    GenerationRequest request =
        new GenerationRequest(
            IMAGE, "", NONE, GenerationOptions.greedy(50), () -> tokens.get() >= 3);
    GenerationResult result = captioner.generate(request, listener);
    // the flag is seen before the next step, so exactly the tokens before it was set are emitted
    assertThat(result.finishReason()).isEqualTo(FinishReason.CANCELLED);
    assertThat(tokens.get()).isEqualTo(3);
    assertThat(result.generatedTokens()).isEqualTo(3);
  }

  @Test
  void greedyGenerationIsDeterministicAndSamplingFollowsTheSeed() {
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    captioner.generate(request(NONE, 8), first);
    captioner.generate(request(NONE, 8), second);
    assertThat(second.tokens).isEqualTo(first.tokens);

    GenerationOptions sampled = new GenerationOptions(8, 1.5, 0.9, 1234L);
    Recorder a = new Recorder();
    Recorder b = new Recorder();
    captioner.generate(new GenerationRequest(IMAGE, "", NONE, sampled, () -> false), a);
    captioner.generate(new GenerationRequest(IMAGE, "", NONE, sampled, () -> false), b);
    assertThat(b.tokens).isEqualTo(a.tokens);
  }

  @Test
  void fiftyGenerationsLeaveNoLiveArraysBehind() {
    NDManager modelManager = captioner.network().weights().values().iterator().next().getManager();
    // the first generation allocates the KV pool, which stays
    captioner.generate(request(new HalfAfter(1), 6), new Recorder());
    int before = modelManager.getManagedArrays().size();
    for (int i = 0; i < 50; i++) {
      captioner.generate(request(new HalfAfter(1), 6), new Recorder());
    }
    assertThat(modelManager.getManagedArrays()).hasSize(before);
  }

  @Test
  void rejectsPromptsLongerThanTheContext() {
    String longPrompt = String.join(" ", java.util.Collections.nCopies(300, "the"));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                captioner.generate(
                    new GenerationRequest(
                        IMAGE, longPrompt, NONE, GenerationOptions.greedy(4), () -> false),
                    new Recorder()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("exceeds the model context of 256 tokens");
  }
}
