package io.gcgserve.pruners;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SingleLayerPrunerFactoryTest {

  private static final ModelGeometry EIGHT_LAYERS = new ModelGeometry(8, 2, 2, 16, 32);

  /** A test pruner that keeps the first {@code keep} live tokens. */
  private static final class KeepFirst extends SingleLayerPruner {
    private final int keep;

    KeepFirst(int pruneAfterLayer, int keep) {
      super(pruneAfterLayer);
      this.keep = keep;
    }

    @Override
    public KeepSet prune(PruningView view) {
      int[] live = view.liveVisualTokens();
      return new KeepSet(Arrays.copyOf(live, Math.min(keep, live.length)));
    }
  }

  private static final class KeepFirstFactory extends SingleLayerPrunerFactory<KeepFirst> {
    private static final ParameterSpec KEEP = ParameterSpec.ofInt("keep", "Tokens kept.", 1, 1, 9);

    @Override
    public String name() {
      return "first";
    }

    @Override
    public String description() {
      return "Keeps the first tokens.";
    }

    @Override
    protected List<ParameterSpec> pruningParameters() {
      return List.of(KEEP);
    }

    @Override
    protected KeepFirst createAfterLayer(
        int pruneAfterLayer, Map<String, String> rawParameters, ModelGeometry geometry) {
      return new KeepFirst(
          pruneAfterLayer, KEEP.parseInt(name(), rawParameters.getOrDefault("keep", "1")));
    }
  }

  private final KeepFirstFactory factory = new KeepFirstFactory();

  @Test
  void listsOneBasedKFirstWithTheSharedDefault() {
    assertThat(factory.parameters()).extracting(ParameterSpec::name).containsExactly("k", "keep");
    ParameterSpec layer = factory.parameters().get(0);
    assertThat(layer).isSameAs(SingleLayerPrunerFactory.layerSpec());
    assertThat(layer.defaultValue()).isEqualTo("2");
    assertThat(layer.min()).isEqualTo(1.0);
  }

  @Test
  void prunesAfterLayerKMinusOne() {
    assertThat(factory.create(Map.of(), EIGHT_LAYERS).pruneAfterLayers()).containsExactly(1);
    KeepFirst pruner = factory.create(Map.of("k", "7", "keep", "3"), EIGHT_LAYERS);
    assertThat(pruner.pruneAfterLayers()).containsExactly(6);
    assertThat(pruner.pruneAfterLayer()).isEqualTo(6);
    assertThat(pruner.queryRows()).isEqualTo(QueryRows.LAST_PROMPT);
    assertThat(
            pruner
                .prune(
                    PruningSnapshot.allLive(6, 2, 2, new float[4], new ImageRgb(1, 1, new int[1])))
                .size())
        .isEqualTo(3);
  }

  @Test
  void rejectsKAtOrBeyondTheModelDepthNamingTheModelsRange() {
    assertThatThrownBy(() -> factory.create(Map.of("k", "8"), EIGHT_LAYERS))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessage(
            "pruner 'first': parameter 'k' = '8' is invalid; expected an integer in [1, 7] for"
                + " this model (8 layers)");
  }

  @Test
  void rejectsKBelowOneAndNonIntegers() {
    assertThatThrownBy(() -> factory.create(Map.of("k", "0"), EIGHT_LAYERS))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessage(
            "pruner 'first': parameter 'k' = '0' is invalid; expected an integer in [1, 1023]");
    assertThatThrownBy(() -> factory.create(Map.of("k", "two"), EIGHT_LAYERS))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessageContaining("'k' = 'two' is invalid");
  }

  @Test
  void rejectsUnknownNamesBeforeTheSubclassSeesThem() {
    assertThatThrownBy(() -> factory.create(Map.of("layer", "1"), EIGHT_LAYERS))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessage("pruner 'first' has no parameter 'layer'; known: k, keep");
  }

  @Test
  void refusesAModelWithNoLayerToPruneAfter() {
    assertThatThrownBy(() -> factory.create(Map.of(), new ModelGeometry(1, 2, 2, 16, 32)))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessage("pruner 'first' prunes between two layers, but this model has 1 layer");
  }

  @Test
  void pruneLayerMustNotBeNegative() {
    assertThatThrownBy(() -> new KeepFirst(-1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got -1");
  }
}
