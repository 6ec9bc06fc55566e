package io.gcgserve.model.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.QueryRows;
import io.gcgserve.pruners.TokenPruner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pruning hooks as PyramidDrop's reference has them, against direct computations on a small
 * random model: ranking with the next layer's projections, and renumbered RoPE positions.
 */
class PruningFidelityTest {

  private static final ImageRgb IMAGE = TinyModels.image(80, 60, 7);
  private static DjlGroundedCaptioner captioner;

  @BeforeAll
  static void load() {
    captioner = TinyModels.captioner(42);
  }

  @AfterAll
  static void close() {
    captioner.close();
  }

  /** Keeps the first half of the live tokens (by grid index) after one layer, recording scores. */
  static final class HalfAfter implements TokenPruner {
    final int layer;
    final Positions positions;
    final Ranking ranking;
    final List<float[]> scores = new ArrayList<>();
    final List<int[]> kept = new ArrayList<>();

    HalfAfter(int layer, Positions positions, Ranking ranking) {
      this.layer = layer;
      this.positions = positions;
      this.ranking = ranking;
    }

    @Override
    public int[] pruneAfterLayers() {
      return new int[] {layer};
    }

    @Override
    public QueryRows queryRows() {
      return QueryRows.LAST_PROMPT;
    }

    @Override
    public KeepSet prune(PruningView view) {
      scores.add(view.attentionToVisual().clone());
      int[] live = view.liveVisualTokens();
      int[] keep = Arrays.copyOf(live, live.length / 2);
      kept.add(keep);
      return new KeepSet(keep);
    }

    @Override
    public Positions positions() {
      return positions;
    }

    @Override
    public Ranking ranking() {
      return ranking;
    }
  }

  private static GenerationRequest request(TokenPruner pruner, int tokens) {
    return new GenerationRequest(IMAGE, "", pruner, GenerationOptions.greedy(tokens), () -> false);
  }

  private static List<float[]> logits(TokenPruner pruner, int tokens) {
    List<float[]> logits = new ArrayList<>();
    captioner.generate(request(pruner, tokens), new GenerationListener() {}, logits::add);
    return logits;
  }

  @Test
  void nextLayerRankingIsTheNextLayersOwnAttentionOnTheUnprunedSequence() {
    HalfAfter next = new HalfAfter(1, TokenPruner.Positions.KEEP, TokenPruner.Ranking.NEXT_LAYER);
    HalfAfter own = new HalfAfter(1, TokenPruner.Positions.KEEP, TokenPruner.Ranking.OWN);
    logits(next, 2);
    logits(own, 2);
    GcgNetwork network = captioner.network();
    int visual = network.config().visualTokens();
    try (NDManager manager = NDManager.newBaseManager()) {
      // the residual stream entering layer 2 of an unpruned forward, and layer 2's attention
      // from the last prompt token, computed inside the layer as for any other layer
      NDArray tap = network.forwardTokens(encode(manager), bos(manager), prompt(manager), 2).get(1);
      int length = (int) tap.getShape().get(1);
      NDList rope = network.ropeTables(manager, IntStream.range(0, length).toArray());
      NDArray mask = GcgNetwork.causalMask(manager, length);
      float[] direct =
          network
              .layer(2, tap, rope, mask, null, null, new int[] {length - 1})
              .probe()
              .toFloatArray();
      float[] seen = next.scores.get(0);
      assertThat(seen).hasSize(visual);
      for (int i = 0; i < visual; i++) {
        assertThat((double) seen[i]).as("token %d", i).isCloseTo(direct[1 + i], within(1e-6));
      }
      // and it is not layer 1's own attention, which OWN ranks with
      assertThat(maxDifference(own.scores.get(0), seen)).isGreaterThan(1e-4);
    }
  }

  @Test
  void renumberedPositionsGiveWhatAForwardWithConsecutivePositionsGives() {
    HalfAfter renumber = new HalfAfter(0, TokenPruner.Positions.RENUMBER, TokenPruner.Ranking.OWN);
    List<float[]> served = logits(renumber, 3);
    assertThat(served).hasSizeGreaterThanOrEqualTo(2);
    // the token greedy decoding chose, as the session chose it
    int first =
        Sampling.choose(served.get(0), GenerationOptions.greedy(1), new java.util.Random(0));
    GcgNetwork network = captioner.network();
    int[] kept = renumber.kept.get(0);
    try (NDManager manager = NDManager.newBaseManager()) {
      float[][] reference = referenceLogits(manager, network, kept, first);
      assertThat(GenerationTest.relativeError(served.get(0), reference[0])).isLessThan(1e-5);
      assertThat(GenerationTest.relativeError(served.get(1), reference[1])).isLessThan(1e-4);
    }
    // keeping the original positions gives other logits: the test can tell the two apart
    List<float[]> keep =
        logits(new HalfAfter(0, TokenPruner.Positions.KEEP, TokenPruner.Ranking.OWN), 3);
    assertThat(GenerationTest.relativeError(keep.get(0), served.get(0))).isGreaterThan(1e-4);
  }

  /**
   * By hand, without a KV cache: layer 0 over the whole sequence (and one generated token) at
   * positions 0..T, then the kept rows through the other layers at positions 0..n; the logits of
   * the last prompt token and of the generated token.
   */
  private static float[][] referenceLogits(
      NDManager manager, GcgNetwork network, int[] kept, int generated) {
    long[] suffix = promptIds();
    long[] text = Arrays.copyOf(suffix, suffix.length + 1);
    text[suffix.length] = generated;
    NDArray sequence =
        NDArrays.concat(
            new NDList(
                network.embed(bos(manager)),
                encode(manager),
                network.embed(manager.create(text).reshape(1, -1))),
            1);
    int length = (int) sequence.getShape().get(1);
    NDArray hidden =
        network
            .layer(
                0,
                sequence,
                network.ropeTables(manager, IntStream.range(0, length).toArray()),
                GcgNetwork.causalMask(manager, length),
                null,
                null,
                null)
            .hidden();
    List<Long> rows = new ArrayList<>();
    rows.add(0L);
    for (int token : kept) {
      rows.add(1L + token);
    }
    int visual = network.config().visualTokens();
    for (int i = 1 + visual; i < length; i++) {
      rows.add((long) i);
    }
    NDArray gathered =
        hidden.get(
            new NDIndex(
                ":, {}, :", manager.create(rows.stream().mapToLong(Long::longValue).toArray())));
    int survivors = rows.size();
    NDList rope = network.ropeTables(manager, IntStream.range(0, survivors).toArray());
    NDArray mask = GcgNetwork.causalMask(manager, survivors);
    for (int layer = 1; layer < network.config().layers(); layer++) {
      gathered = network.layer(layer, gathered, rope, mask, null, null, null).hidden();
    }
    NDArray logits = network.logits(network.finalNorm(gathered));
    return new float[][] {
      logits.get(0, survivors - 2).toFloatArray(), logits.get(0, survivors - 1).toFloatArray()
    };
  }

  private static NDArray encode(NDManager manager) {
    GcgConfig config = captioner.config();
    ImageRgb resized = Images.resize(IMAGE, config.imageSize(), config.imageSize());
    return captioner.network().encodeVision(Images.toTensor(manager, resized));
  }

  private static NDArray bos(NDManager manager) {
    return manager.create(new long[] {captioner.tokenizer().id(GcgTokenizer.BOS)}).reshape(1, 1);
  }

  private static long[] promptIds() {
    return Arrays.stream(captioner.tokenizer().promptIds(captioner.config().defaultPrompt()))
        .asLongStream()
        .toArray();
  }

  private static NDArray prompt(NDManager manager) {
    return manager.create(promptIds()).reshape(1, -1);
  }

  private static double maxDifference(float[] a, float[] b) {
    double most = 0;
    for (int i = 0; i < a.length; i++) {
      most = Math.max(most, Math.abs(a[i] - b[i]));
    }
    return most;
  }
}
