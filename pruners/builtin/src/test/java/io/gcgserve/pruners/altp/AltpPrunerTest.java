package io.gcgserve.pruners.altp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.testing.TestImages;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

class AltpPrunerTest {

  private static final ModelGeometry LLAVA = new ModelGeometry(32, 24, 24, 4096, 11008);
  private static final ModelGeometry GRID_8 = new ModelGeometry(8, 8, 8, 64, 128);
  private final AltpPrunerFactory factory = new AltpPrunerFactory();

  /** 8x8 tokens of 8x8 pixels: four flat quadrants (regions 0-3) and a noisy 2x2 object (4). */
  private static Segmentation quadrantsWithObject() {
    int[] labels = new int[64];
    for (int row = 0; row < 8; row++) {
      for (int column = 0; column < 8; column++) {
        labels[row * 8 + column] = (row / 4) * 2 + column / 4;
      }
    }
    for (int row = 1; row < 3; row++) {
      for (int column = 1; column < 3; column++) {
        labels[row * 8 + column] = 4;
      }
    }
    return Segmentation.fromLabels(8, 8, labels, 64, 64, 8, 8);
  }

  private static ImageRgb quadrantImage() {
    int[] colours = {0x204080, 0x808020, 0x208040, 0x602060};
    ImageRgb object = TestImages.flatWithNoisySquare(64, 64, 0, 8, 8, 16, 3);
    int[] pixels = object.rgb().clone();
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x++) {
        boolean inObject = x >= 8 && x < 24 && y >= 8 && y < 24;
        if (!inObject) {
          pixels[y * 64 + x] = colours[(y / 32) * 2 + x / 32];
        }
      }
    }
    return new ImageRgb(64, 64, pixels);
  }

  private AltpPruner pruner(Map<String, String> parameters) {
    return factory.create(parameters, GRID_8);
  }

  @Test
  void detailedObjectGetsMoreThanItsAreaShareUnderDensity() {
    AltpSelection selection =
        pruner(Map.of("keep_ratio", "0.25"))
            .select(
                PruningSnapshot.allLive(1, 8, 8, TestImages.randomScores(64, 1), quadrantImage()),
                quadrantsWithObject());
    int object = selection.indexOfRegion(4);
    // area share: 16 kept × 4/64 tokens = 1; density gives it e/(e+4) of 16 = 6.5, capped at 4
    assertThat(selection.budgets()[object]).isEqualTo(4);
    assertThat(selection.keepSet().size()).isEqualTo(16);
  }

  @Test
  void detailedObjectGetsExactlyItsAreaShareUnderUniform() {
    AltpSelection selection =
        pruner(Map.of("keep_ratio", "0.5", "allocation", "uniform"))
            .select(
                PruningSnapshot.allLive(1, 8, 8, TestImages.randomScores(64, 1), quadrantImage()),
                quadrantsWithObject());
    assertThat(selection.budgets()[selection.indexOfRegion(4)]).isEqualTo(2);
    int[] budgets = selection.budgets();
    int[] sizes = selection.liveTokens();
    for (int i = 0; i < budgets.length; i++) {
      assertThat(budgets[i] * 64).isEqualTo(32 * sizes[i]);
    }
  }

  @Test
  void keepsTopAttentionInsideEachRegion() {
    float[] scores = new float[64];
    scores[9] = 1f; // object token (row 1, column 1)
    scores[63] = 0.5f; // bottom-right quadrant
    AltpSelection selection =
        pruner(Map.of("keep_tokens", "5", "allocation", "uniform"))
            .select(
                PruningSnapshot.allLive(1, 8, 8, scores, quadrantImage()), quadrantsWithObject());
    assertThat(selection.keepSet().keptVisualTokens()).contains(9, 63);
  }

  @Test
  void keepsEveryRegionAtLeastOneToken() {
    AltpSelection selection =
        pruner(Map.of("keep_tokens", "5"))
            .select(
                PruningSnapshot.allLive(1, 8, 8, TestImages.randomScores(64, 2), quadrantImage()),
                quadrantsWithObject());
    assertThat(selection.budgets()).containsOnly(1);
  }

  @Test
  void skipsMinimumWhenBudgetCannotCoverEveryRegion() {
    AltpSelection selection =
        pruner(Map.of("keep_tokens", "3"))
            .select(
                PruningSnapshot.allLive(1, 8, 8, TestImages.randomScores(64, 2), quadrantImage()),
                quadrantsWithObject());
    assertThat(selection.keepSet().size()).isEqualTo(3);
  }

  @Test
  void dropsRegionsWithoutLiveTokens() {
    int[] live = {0, 1, 2, 3, 8, 11, 16, 19};
    AltpSelection selection =
        pruner(Map.of("keep_tokens", "4"))
            .select(
                new PruningSnapshot(1, 8, 8, live, TestImages.randomScores(8, 5), quadrantImage()),
                quadrantsWithObject());
    assertThat(selection.regions()).containsExactly(0);
    assertThat(selection.keepSet().size()).isEqualTo(4);
  }

  @Test
  void slicRegionAroundNoisyObjectGetsMoreThanItsShareEndToEnd() {
    ImageRgb image = TestImages.flatWithNoisySquare(336, 336, 0x3a6ea5, 42, 42, 84, 11);
    PruningSnapshot view =
        PruningSnapshot.allLive(1, 24, 24, TestImages.randomScores(576, 4), image);
    int objectToken = 6 * 24 + 6;
    AltpPruner density = factory.create(Map.of("keep_ratio", "0.25"), LLAVA);
    AltpSelection byDensity = selectionOf(density, view);
    int index = byDensity.indexOfRegion(byDensity.segmentation().regionOfToken(objectToken));
    double share = 144.0 * byDensity.liveTokens()[index] / 576;
    assertThat((double) byDensity.budgets()[index]).isGreaterThan(share);

    AltpPruner uniform =
        factory.create(Map.of("keep_ratio", "0.25", "allocation", "uniform"), LLAVA);
    AltpSelection byArea = selectionOf(uniform, view);
    int uniformIndex = byArea.indexOfRegion(byArea.segmentation().regionOfToken(objectToken));
    double uniformShare = 144.0 * byArea.liveTokens()[uniformIndex] / 576;
    assertThat((double) byArea.budgets()[uniformIndex])
        .isBetween(Math.floor(uniformShare), Math.ceil(uniformShare));
  }

  private static AltpSelection selectionOf(AltpPruner pruner, PruningSnapshot view) {
    KeepSet keep = pruner.prune(view);
    AltpSelection selection = pruner.lastSelection().orElseThrow();
    assertThat(selection.keepSet()).isEqualTo(keep);
    return selection;
  }

  @Test
  void pruneGivesUpWhenItsRequestIsCancelled() {
    ImageRgb image = TestImages.noise(336, 336, 9);
    PruningSnapshot snapshot =
        PruningSnapshot.allLive(1, 24, 24, TestImages.randomScores(576, 9), image);
    PruningView cancelled = snapshot.withCancellation(() -> true);
    AltpPruner pruner = factory.create(Map.of(), LLAVA);
    assertThatThrownBy(() -> pruner.prune(cancelled)).isInstanceOf(CancellationException.class);
    assertThat(pruner.lastSelection()).isEmpty();
    // the same pruner still works for a view that is not cancelled
    assertThat(pruner.prune(snapshot).size()).isEqualTo(288);
  }

  @Test
  void sameImageAndScoresGiveSameTokens() {
    ImageRgb image = TestImages.noise(336, 336, 9);
    PruningSnapshot view =
        PruningSnapshot.allLive(1, 24, 24, TestImages.randomScores(576, 9), image);
    KeepSet first = factory.create(Map.of(), LLAVA).prune(view);
    KeepSet second = factory.create(Map.of(), LLAVA).prune(view);
    assertThat(first).isEqualTo(second);
    assertThat(first.size()).isEqualTo(288);
  }

  @Test
  void prunesAtTheSameLayerAsFastV() {
    assertThat(factory.create(Map.of(), LLAVA).pruneAfterLayers()).containsExactly(1);
    assertThat(factory.create(Map.of("k", "5"), LLAVA).plan().visualTokensKept())
        .containsExactly(288);
  }

  @Test
  void everyBadParameterHasItsOwnMessage() {
    Map<String, String> cases = new HashMap<>();
    cases.put(
        "allocation=area", "'allocation' = 'area' is invalid; expected one of density, uniform");
    cases.put(
        "n_superpixels=1", "'n_superpixels' = '1' is invalid; expected an integer in [2, 256]");
    cases.put(
        "compactness=0", "'compactness' = '0' is invalid; expected a number in [0.01, 100.0]");
    cases.put("sigma=-1", "'sigma' = '-1' is invalid; expected a number in [0.0, 10.0]");
    cases.put(
        "temperature=0", "'temperature' = '0' is invalid; expected a number in [0.01, 100.0]");
    cases.put("min_per_region=-1", "'min_per_region' = '-1' is invalid");
    cases.put("segment_pixels_per_token=0", "'segment_pixels_per_token' = '0' is invalid");
    cases.put("k=40", "[1, 31] for this model (32 layers)");
    cases.put("keep_ratio=2", "'keep_ratio' = '2' is invalid");
    cases.put("superpixels=10", "has no parameter 'superpixels'; known: k, keep_ratio");
    for (Map.Entry<String, String> entry : cases.entrySet()) {
      String[] parts = entry.getKey().split("=");
      assertThatThrownBy(() -> factory.create(Map.of(parts[0], parts[1]), LLAVA))
          .as(entry.getKey())
          .isInstanceOf(InvalidPrunerParameterException.class)
          .hasMessageContaining(entry.getValue());
    }
    assertThatThrownBy(
            () -> factory.create(Map.of("keep_ratio", "0.5", "keep_tokens", "20"), LLAVA))
        .hasMessageContaining("not both");
    assertThatThrownBy(
            () ->
                factory.create(
                    Map.of("n_superpixels", "200", "segment_pixels_per_token", "1"), LLAVA))
        .hasMessageContaining("4 pixels per superpixel");
  }
}
