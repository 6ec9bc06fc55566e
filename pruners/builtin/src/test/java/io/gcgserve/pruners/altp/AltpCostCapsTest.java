package io.gcgserve.pruners.altp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.testing.TestImages;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ALTP's parameter ranges are capped by cost (the selection runs uninterruptibly on the engine
 * thread): the most expensive allowed combination is accepted and selects a valid keep set, and
 * anything past a cap is refused with a message that names the parameter and its range. Timing is
 * measured by {@code bin/gcg-bench pruners --worst-case}, not asserted here.
 */
class AltpCostCapsTest {

  private static final ModelGeometry LLAVA = new ModelGeometry(32, 24, 24, 4096, 11008);
  private final AltpPrunerFactory factory = new AltpPrunerFactory();

  private ParameterSpec spec(String name) {
    return factory.parameters().stream()
        .filter(spec -> spec.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private String max(String name) {
    return bound(spec(name).max());
  }

  private String min(String name) {
    return bound(spec(name).min());
  }

  private static String bound(Double value) {
    double bound = value;
    return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
  }

  /** Every cost-relevant parameter at its expensive end; the rest at their extremes. */
  private Map<String, String> worstAllowed(String compactness, String sigma) {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("segment_pixels_per_token", max("segment_pixels_per_token"));
    parameters.put("n_superpixels", max("n_superpixels"));
    parameters.put("compactness", compactness);
    parameters.put("sigma", sigma);
    parameters.put("temperature", min("temperature"));
    parameters.put("min_per_region", max("min_per_region"));
    return parameters;
  }

  @Test
  void capsAreTheDocumentedOnes() {
    assertThat(spec("segment_pixels_per_token").allowedDescription())
        .isEqualTo("an integer in [1, 4]");
    assertThat(spec("n_superpixels").allowedDescription()).isEqualTo("an integer in [2, 256]");
    assertThat(spec("sigma").allowedDescription()).isEqualTo("a number in [0.0, 10.0]");
    assertThat(spec("segment_pixels_per_token").description()).contains("capped by cost");
    assertThat(AltpPrunerFactory.MAX_LABEL_PIXELS).isEqualTo(96 * 96);
  }

  @Test
  void worstAllowedCombinationSelectsAValidKeepSet() {
    ImageRgb noise = TestImages.noise(336, 336, 4);
    // every other token already pruned: the keep set must come from the live ones
    int[] live = new int[288];
    for (int i = 0; i < live.length; i++) {
      live[i] = 2 * i + (i / 12) % 2;
    }
    PruningSnapshot view =
        new PruningSnapshot(1, 24, 24, live, TestImages.randomScores(live.length, 4), noise);
    String[][] corners = {
      {min("compactness"), max("sigma")},
      {max("compactness"), min("sigma")},
      {min("compactness"), min("sigma")},
      {max("compactness"), max("sigma")}
    };
    for (String[] corner : corners) {
      Map<String, String> parameters = worstAllowed(corner[0], corner[1]);
      AltpPruner pruner = factory.create(parameters, LLAVA);
      KeepSet keep = pruner.prune(view);
      assertThat(keep.size()).as(parameters.toString()).isEqualTo(144);
      assertThat(live).as(parameters.toString()).contains(keep.keptVisualTokens());
      AltpSelection selection = pruner.lastSelection().orElseThrow();
      assertThat(Arrays.stream(selection.budgets()).sum()).isEqualTo(144);
      assertThat(selection.segmentation().width()).isEqualTo(96);
    }
  }

  @Test
  void worstAllowedCombinationAlsoKeepsEveryTokenWhenAskedTo() {
    Map<String, String> parameters = worstAllowed(min("compactness"), max("sigma"));
    parameters.put("keep_ratio", "1.0");
    ImageRgb image = TestImages.flatWithNoisySquare(336, 336, 0x336699, 100, 80, 120, 7);
    KeepSet keep =
        factory
            .create(parameters, LLAVA)
            .prune(PruningSnapshot.allLive(1, 24, 24, TestImages.randomScores(576, 7), image));
    assertThat(keep.keptVisualTokens()).hasSize(576).startsWith(0).endsWith(575);
  }

  @Test
  void valuesPastTheCapsAreRefusedNamingTheRange() {
    Map<String, String> cases = new HashMap<>();
    cases.put(
        "segment_pixels_per_token=5",
        "parameter 'segment_pixels_per_token' = '5' is invalid; expected an integer in [1, 4]");
    cases.put(
        "segment_pixels_per_token=32",
        "parameter 'segment_pixels_per_token' = '32' is invalid; expected an integer in [1, 4]");
    cases.put(
        "n_superpixels=257",
        "parameter 'n_superpixels' = '257' is invalid; expected an integer in [2, 256]");
    cases.put(
        "sigma=10.5", "parameter 'sigma' = '10.5' is invalid; expected a number in [0.0, 10.0]");
    cases.put(
        "compactness=101",
        "parameter 'compactness' = '101' is invalid; expected a number in [0.01, 100.0]");
    for (Map.Entry<String, String> entry : cases.entrySet()) {
      String[] parts = entry.getKey().split("=");
      assertThatThrownBy(() -> factory.create(Map.of(parts[0], parts[1]), LLAVA))
          .as(entry.getKey())
          .isInstanceOf(InvalidPrunerParameterException.class)
          .hasMessageStartingWith("pruner 'altp': ")
          .hasMessageContaining(entry.getValue());
    }
  }

  @Test
  void largerTokenGridsGetFewerPixelsPerToken() {
    ModelGeometry grid48 = new ModelGeometry(32, 48, 48, 4096, 11008);
    AltpPruner atCap = factory.create(Map.of("segment_pixels_per_token", "2"), grid48);
    Segmentation segmentation = atCap.segment(TestImages.noise(672, 672, 2), 48, 48);
    assertThat(segmentation.width() * segmentation.height()).isEqualTo(96 * 96);

    assertThatThrownBy(() -> factory.create(Map.of("segment_pixels_per_token", "3"), grid48))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessageContaining("parameter 'segment_pixels_per_token' = '3' is invalid")
        .hasMessageContaining("144x144 = 20736 pixels, over the cost cap of 9216")
        .hasMessageContaining("at most 2 on this model");

    ModelGeometry grid100 = new ModelGeometry(32, 100, 100, 4096, 11008);
    assertThatThrownBy(() -> factory.create(Map.of("segment_pixels_per_token", "1"), grid100))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessageContaining("too large for ALTP");
  }
}
