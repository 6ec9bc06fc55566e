package io.gcgserve.pruners.pdrop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.flops.PlannedPruner;
import io.gcgserve.pruners.flops.PrunePlan;
import io.gcgserve.pruners.testing.TestImages;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PyramidDropPrunerFactoryTest {

  private static final ModelGeometry LLAVA = new ModelGeometry(32, 24, 24, 4096, 11008);
  private static final ModelGeometry EIGHT_LAYERS = new ModelGeometry(8, 2, 4, 64, 128);
  private final PyramidDropPrunerFactory factory = new PyramidDropPrunerFactory();

  @Test
  void defaultStagesAreQuartersOfDepth() {
    assertThat(factory.create(Map.of(), LLAVA).pruneAfterLayers()).containsExactly(7, 15, 23);
    assertThat(factory.create(Map.of(), EIGHT_LAYERS).pruneAfterLayers()).containsExactly(1, 3, 5);
    assertThat(PyramidDropPrunerFactory.defaultStageLayers(2)).containsExactly(1);
    assertThat(PyramidDropPrunerFactory.defaultStageLayers(6)).containsExactly(2, 3, 5);
  }

  @Test
  void halvesSurvivorsAtEachStage() {
    PlannedPruner pruner = (PlannedPruner) factory.create(Map.of(), LLAVA);
    assertThat(pruner.plan().visualTokensKept()).containsExactly(288, 144, 72);
  }

  @Test
  void derivesLambdaFromFinalKeepTokens() {
    PlannedPruner pruner = (PlannedPruner) factory.create(Map.of("keep_tokens", "57"), LLAVA);
    // lambda = (57/576)^(1/3) = 0.4624: round(576·λ) = 266, round(576·λ²) = 123, then exactly 57
    assertThat(pruner.plan().visualTokensKept()).containsExactly(266, 123, 57);
  }

  @Test
  void ranksByAttentionAtEveryStage() {
    TokenPruner pruner = factory.create(Map.of(), EIGHT_LAYERS);
    float[] scores = {0.8f, 0.1f, 0.7f, 0.2f, 0.6f, 0.3f, 0.5f, 0.4f};
    KeepSet first =
        pruner.prune(PruningSnapshot.allLive(1, 2, 4, scores, TestImages.flat(8, 4, 0)));
    assertThat(first.keptVisualTokens()).containsExactly(0, 2, 4, 6);
    KeepSet second =
        pruner.prune(
            new PruningSnapshot(
                3,
                2,
                4,
                first.keptVisualTokens(),
                new float[] {0.1f, 0.9f, 0.9f, 0.2f},
                TestImages.flat(8, 4, 0)));
    assertThat(second.keptVisualTokens()).containsExactly(2, 4);
    KeepSet third =
        pruner.prune(
            new PruningSnapshot(
                5, 2, 4, new int[] {2, 4}, new float[] {0.5f, 0.5f}, TestImages.flat(8, 4, 0)));
    assertThat(third.keptVisualTokens()).containsExactly(2);
  }

  @Test
  void acceptsExplicitStages() {
    assertThat(factory.create(Map.of("stage_layers", "2, 10"), LLAVA).pruneAfterLayers())
        .containsExactly(1, 9);
  }

  @Test
  void rejectsStagesNotIncreasing() {
    assertThatThrownBy(() -> factory.create(Map.of("stage_layers", "8,4,20"), LLAVA))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessageContaining("strictly increasing, got [8, 4, 20]");
  }

  @Test
  void rejectsStagesOutOfRange() {
    assertThatThrownBy(() -> factory.create(Map.of("stage_layers", "8,32"), LLAVA))
        .hasMessageContaining(
            "each stage layer must be in [1, 31] for this model (32 layers), got 32");
    assertThatThrownBy(() -> factory.create(Map.of("stage_layers", "0,8"), LLAVA))
        .hasMessageContaining("'stage_layers' = '0,8' is invalid; expected comma-separated");
  }

  @Test
  void rejectsMoreThanOneBudget() {
    assertThatThrownBy(
            () ->
                factory.create(
                    new java.util.TreeMap<>(Map.of("lambda", "0.5", "keep_tokens", "50")), LLAVA))
        .hasMessage(
            "pruner 'pdrop': give one of 'lambda', 'keep_tokens' or 'keep_ratio', not several (got"
                + " lambda=0.5, keep_tokens=50)");
    assertThatThrownBy(
            () -> factory.create(Map.of("keep_ratio", "0.1", "keep_tokens", "50"), LLAVA))
        .hasMessageContaining("not several");
  }

  @Test
  void keepRatioIsTheRoundedFinalCount() {
    for (double ratio : new double[] {0.1, 0.25, 0.5, 0.001, 1.0}) {
      PrunePlan byRatio =
          ((PlannedPruner) factory.create(Map.of("keep_ratio", Double.toString(ratio)), LLAVA))
              .plan();
      long tokens = Math.max(1, Math.round(ratio * 576));
      PrunePlan byTokens =
          ((PlannedPruner) factory.create(Map.of("keep_tokens", Long.toString(tokens)), LLAVA))
              .plan();
      assertThat(byRatio.visualTokensKept()).isEqualTo(byTokens.visualTokensKept());
      assertThat(byRatio.pruneAfterLayers()).isEqualTo(byTokens.pruneAfterLayers());
    }
    assertThatThrownBy(() -> factory.create(Map.of("keep_ratio", "0"), LLAVA))
        .hasMessageContaining("expected a number in (0.0, 1.0]");
  }

  @Test
  void rejectsLambdaOutOfRange() {
    assertThatThrownBy(() -> factory.create(Map.of("lambda", "1.2"), LLAVA))
        .hasMessageContaining("'lambda' = '1.2' is invalid; expected a number in (0.0, 1.0]");
    assertThatThrownBy(() -> factory.create(Map.of("lambda", "0"), LLAVA))
        .hasMessageContaining("expected a number in (0.0, 1.0]");
  }

  @Test
  void rejectsUnknownParameter() {
    assertThatThrownBy(() -> factory.create(Map.of("k", "2"), LLAVA))
        .hasMessage(
            "pruner 'pdrop' has no parameter 'k'; known: stage_layers, lambda, keep_tokens,"
                + " keep_ratio, positions, ranking");
  }

  @Test
  void followsTheReferenceByDefaultAndKeepsTheEarlierBehaviourAsOptions() {
    TokenPruner reference = factory.create(Map.of(), LLAVA);
    assertThat(reference.positions()).isEqualTo(TokenPruner.Positions.RENUMBER);
    assertThat(reference.ranking()).isEqualTo(TokenPruner.Ranking.NEXT_LAYER);
    TokenPruner earlier = factory.create(Map.of("positions", "keep", "ranking", "own"), LLAVA);
    assertThat(earlier.positions()).isEqualTo(TokenPruner.Positions.KEEP);
    assertThat(earlier.ranking()).isEqualTo(TokenPruner.Ranking.OWN);
    assertThat(earlier.pruneAfterLayers()).isEqualTo(reference.pruneAfterLayers());
    assertThat(factory.parameters())
        .filteredOn(spec -> spec.name().equals("positions") || spec.name().equals("ranking"))
        .extracting(ParameterSpec::defaultValue)
        .containsExactly("renumber", "next_layer");
  }
}
