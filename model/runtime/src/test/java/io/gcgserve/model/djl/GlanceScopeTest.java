package io.gcgserve.model.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.StepTimings;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.TokenPruner;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link GlanceScope#KEPT}: the phrase glance reads nothing of what pruning dropped. */
class GlanceScopeTest {

  @Test
  void parsesItsTwoWordsAndNamesThemWhenTheWordIsWrong() {
    assertThat(GlanceScope.parse(" Kept ")).isEqualTo(GlanceScope.KEPT);
    assertThat(GlanceScope.parse("all")).isEqualTo(GlanceScope.ALL);
    assertThatThrownBy(() -> GlanceScope.parse("pruned"))
        .hasMessage("glance scope must be all or kept, not 'pruned'");
  }

  /**
   * Two sets of heads over arrays that differ only at positions of pruned tokens (the pixel rows
   * and features of the cells under them, and their region keys): once confined to the kept tokens,
   * their glances are equal; unconfined, they differ, so the test can fail.
   */
  @Test
  void aConfinedGlanceDoesNotDependOnWhatPrunedPositionsHold() {
    GcgConfig config =
        GcgConfig.parse(
            TinyModels.config(30)
                .toJson()
                .replace("\"phrase_glance\": false", "\"phrase_glance\": true")
                .replace("\"single_region_masks\": false", "\"single_region_masks\": true"));
    int size = config.groundingSize(); // 16 cells a side, 2 x 2 cells per visual token
    int grid = config.gridSize(); // 8 tokens a side
    int channels = config.groundingChannels() + GroundingDecoder.COORDINATE_CHANNELS;
    int queries = size * size + grid * grid;
    int h = config.maskHiddenSize();
    // the left half of the image's tokens survive
    int[] kept = new int[grid * grid / 2];
    int next = 0;
    for (int row = 0; row < grid; row++) {
      for (int column = 0; column < grid / 2; column++) {
        kept[next++] = row * grid + column;
      }
    }
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgNetwork network = GcgNetwork.initialize(config, manager, 5);
      SplittableRandom random = new SplittableRandom(11);
      float[] projected = gaussian(random, queries * h);
      float[] features = gaussian(random, channels * size * size);
      float[] otherProjected = projected.clone();
      float[] otherFeatures = features.clone();
      for (int cell = 0; cell < size * size; cell++) {
        if (cell % size >= size / 2) { // a right-half cell: under a pruned token
          for (int j = 0; j < h; j++) {
            otherProjected[cell * h + j] += 3f;
          }
          for (int c = 0; c < channels; c++) {
            otherFeatures[c * size * size + cell] -= 2f;
          }
        }
      }
      for (int token = 0; token < grid * grid; token++) {
        if (token % grid >= grid / 2) {
          for (int j = 0; j < h; j++) {
            otherProjected[(size * size + token) * h + j] *= -4f;
          }
        }
      }
      NDArray normed =
          manager.create(
              gaussian(random, config.hiddenSize()), new Shape(1, 1, config.hiddenSize()));
      GroundingHeads heads = heads(manager, network, projected, features);
      GroundingHeads other = heads(manager, network, otherProjected, otherFeatures);
      assertThat(other.glance(normed).toFloatArray())
          .as("unconfined, the glance reads the pruned positions")
          .isNotEqualTo(heads.glance(normed).toFloatArray());
      heads.confineGlance(kept);
      other.confineGlance(kept);
      float[] confined = heads.glance(normed).toFloatArray();
      float[] otherConfined = other.glance(normed).toFloatArray();
      for (int i = 0; i < confined.length; i++) {
        assertThat(otherConfined[i]).as("output %d", i).isEqualTo(confined[i]);
      }
    }
  }

  private static GroundingHeads heads(
      NDManager manager, GcgNetwork network, float[] projected, float[] features) {
    GcgConfig config = network.config();
    int size = config.groundingSize();
    int channels = config.groundingChannels() + GroundingDecoder.COORDINATE_CHANNELS;
    long queries = (long) size * size + config.visualTokens();
    return new GroundingHeads(
        network,
        TinyModels.image(config.imageSize(), config.imageSize(), 3),
        manager.create(projected, new Shape(1, queries, config.maskHiddenSize())),
        manager.create(features, new Shape(channels, size, size)));
  }

  private static float[] gaussian(SplittableRandom random, int length) {
    float[] values = new float[length];
    for (int i = 0; i < length; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  /** Without pruning the two scopes are the same model: same caption, same masks. */
  @Test
  void anUnprunedRequestIsTheSameUnderBothScopes() {
    try (DjlGroundedCaptioner all = ModelFiles.loadBundled(ModelFiles.device("cpu"));
        DjlGroundedCaptioner kept =
            ModelFiles.loadBundled(ModelFiles.device("cpu"), GlanceScope.KEPT)) {
      assertThat(kept.glanceScope()).isEqualTo(GlanceScope.KEPT);
      TokenPruner none = new NoPruner().create(Map.of(), all.config().geometry());
      GenerationResult fromAll = all.generate(request(none), GenerationListener.IGNORE);
      GenerationResult fromKept = kept.generate(request(none), GenerationListener.IGNORE);
      assertThat(fromAll.phrases()).isNotEmpty();
      assertThat(fromKept.caption()).isEqualTo(fromAll.caption());
      assertThat(fromKept.phrases()).hasSameSizeAs(fromAll.phrases());
      for (int i = 0; i < fromAll.phrases().size(); i++) {
        GroundedPhrase a = fromAll.phrases().get(i);
        GroundedPhrase b = fromKept.phrases().get(i);
        assertThat(b.mask().pixels()).isEqualTo(a.mask().pixels());
      }
    }
  }

  /** After prefill a confined session holds the heads' arrays, its copies and their cell grid. */
  @Test
  void aConfinedSessionHoldsItsCopiesAndNothingElse() {
    try (DjlGroundedCaptioner kept =
        ModelFiles.loadBundled(ModelFiles.device("cpu"), GlanceScope.KEPT)) {
      GcgConfig config = kept.config();
      try (DjlGenerationSession session =
          kept.openSession(request(new DjlGenerationSessionTest.TenthAfter(2)))) {
        while (session.isPrefilling()) {
          session.advancePrefill();
        }
        int steps = 0;
        do {
          List<NDArray> held = session.manager().getManagedArrays();
          assertThat(held).hasSize(5);
          assertThat(held.stream().mapToLong(KvCache::byteCount).sum())
              .isEqualTo(GroundingHeads.bytes(config, GlanceScope.KEPT));
          if (!session.isFinished()) {
            kept.decode(List.of(session), new StepTimings());
            steps++;
          }
        } while (!session.isFinished());
        assertThat(steps).isGreaterThan(5);
        assertThat(session.result().phrases()).as("the glance and masks ran").isNotEmpty();
      }
    }
  }

  private static GenerationRequest request(TokenPruner pruner) {
    return new GenerationRequest(
        DjlGenerationSessionTest.scene(), "", pruner, GenerationOptions.greedy(48), () -> false);
  }
}
