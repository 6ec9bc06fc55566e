package io.gcgserve.pruners.altp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.testing.TestImages;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code variant=paper} and the individual switches of the steps the paper does not state: each
 * changes what it says and nothing else, and the defaults are the served ALTP.
 */
class AltpPaperVariantTest {

  private static final ModelGeometry GRID_8 = new ModelGeometry(8, 8, 8, 64, 128);
  private static final ModelGeometry LLAVA = new ModelGeometry(32, 24, 24, 4096, 11008);
  private final AltpPrunerFactory factory = new AltpPrunerFactory();

  /** Four flat quadrants (regions 0-3) and a noisy 2x2-token object (region 4) on 8x8 tokens. */
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

  private static AltpSelection select(Map<String, String> parameters, ModelGeometry geometry) {
    ImageRgb image = TestImages.flatWithNoisySquare(64, 64, 0x204080, 8, 8, 16, 3);
    PruningSnapshot view = PruningSnapshot.allLive(1, 8, 8, TestImages.randomScores(64, 7), image);
    return new AltpPrunerFactory().create(parameters, geometry).select(view, quadrantsWithObject());
  }

  @Test
  void positionsAreKeptUnlessRenumberingIsAsked() {
    assertThat(factory.create(java.util.Map.of(), LLAVA).positions())
        .isEqualTo(io.gcgserve.pruners.TokenPruner.Positions.KEEP);
    assertThat(factory.create(java.util.Map.of("positions", "renumber"), LLAVA).positions())
        .isEqualTo(io.gcgserve.pruners.TokenPruner.Positions.RENUMBER);
  }

  @Test
  void thePaperVariantSpendsRawSoftmaxSharesAndLeavesTheSurplusOfAFullRegionUnspent() {
    AltpSelection paper = select(Map.of("keep_ratio", "0.5", "variant", "paper"), GRID_8);
    // raw densities are tiny (variance x area fraction), so softmax(D) is near uniform: each of
    // the 5 regions is owed ~6.4 of K = 32; the 4-token object keeps its 4 and ~2.4 go unspent
    double[] density = paper.density();
    double[] expected = new double[density.length];
    double sum = 0;
    for (int i = 0; i < density.length; i++) {
      expected[i] = Math.exp(density[i]);
      sum += expected[i];
    }
    for (int i = 0; i < density.length; i++) {
      assertThat(paper.weights()[i]).isCloseTo(expected[i] / sum, within(1e-12));
    }
    int object = paper.indexOfRegion(4);
    assertThat(paper.budgets()[object]).isEqualTo(4);
    assertThat(paper.keepSet().size())
        .isLessThan(32)
        .isEqualTo(Arrays.stream(paper.budgets()).sum());

    AltpSelection tuned = select(Map.of("keep_ratio", "0.5"), GRID_8);
    assertThat(tuned.keepSet().size()).isEqualTo(32);
  }

  @Test
  void theLinearAreaFormIsVarianceTimesTheAreaFraction() {
    AltpSelection linear = select(Map.of("keep_ratio", "0.5", "area_form", "linear"), GRID_8);
    AltpSelection sqrt = select(Map.of("keep_ratio", "0.5"), GRID_8);
    int object = linear.indexOfRegion(4);
    double areaFraction = 16.0 * 16 / (64 * 64);
    assertThat(linear.density()[object])
        .isCloseTo(sqrt.density()[object] * Math.sqrt(areaFraction), within(1e-12));
  }

  @Test
  void anExplicitParameterWinsOverTheVariant() {
    Map<String, String> parameters = new HashMap<>(Map.of("keep_ratio", "0.5", "variant", "paper"));
    parameters.put("caps", "redistribute");
    assertThat(select(parameters, GRID_8).keepSet().size()).isEqualTo(32);
    parameters.put("density_normalisation", "minmax");
    parameters.put("area_form", "sqrt");
    parameters.put("min_per_region", "1");
    assertThat(select(parameters, GRID_8).budgets())
        .containsExactly(select(Map.of("keep_ratio", "0.5"), GRID_8).budgets());
  }

  @Test
  void theDefaultsAreTheTunedVariantSpelledOut() {
    Map<String, String> spelled =
        Map.of(
            "keep_ratio", "0.25",
            "variant", "tuned",
            "density_normalisation", "minmax",
            "area_form", "sqrt",
            "caps", "redistribute",
            "min_per_region", "1",
            "sigma", "0.8",
            "segment_pixels_per_token", "2");
    AltpSelection defaults = select(Map.of("keep_ratio", "0.25"), GRID_8);
    AltpSelection explicit = select(spelled, GRID_8);
    assertThat(explicit.weights()).containsExactly(defaults.weights());
    assertThat(explicit.keepSet()).isEqualTo(defaults.keepSet());
  }

  @Test
  void thePaperVariantSegmentsOnTheFinestGridTheCostCapAllows() {
    ImageRgb image = TestImages.noise(336, 336, 3);
    PruningSnapshot view =
        PruningSnapshot.allLive(1, 24, 24, TestImages.randomScores(576, 3), image);
    AltpPruner paper = factory.create(Map.of("variant", "paper"), LLAVA);
    AltpPruner explicit =
        factory.create(
            Map.of(
                "density_normalisation", "none",
                "area_form", "linear",
                "caps", "none",
                "min_per_region", "0",
                "sigma", "0",
                "segment_pixels_per_token", "4"),
            LLAVA);
    assertThat(paper.segment(image, 24, 24).width()).isEqualTo(96);
    assertThat(paper.prune(view)).isEqualTo(explicit.prune(view));
    assertThat(AltpPrunerFactory.finestAllowedGrid(new ModelGeometry(8, 48, 48, 64, 128)))
        .isEqualTo(2);
  }

  @Test
  void rawDensityWeightsAreTheSoftmaxOfDensityOverTemperature() {
    double[] weights = AltpPruner.densityWeights(new double[] {0.0, 0.5, 1.0}, 0.5, false);
    double a = 1;
    double b = Math.exp(1);
    double c = Math.exp(2);
    assertThat(weights[0]).isCloseTo(a / (a + b + c), within(1e-12));
    assertThat(weights[2]).isCloseTo(c / (a + b + c), within(1e-12));
  }
}
