package io.gcgserve.pruners.fastv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.QueryRows;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.TokenPruner.Positions;
import io.gcgserve.pruners.TokenPruner.Ranking;
import io.gcgserve.pruners.flops.PlannedPruner;
import io.gcgserve.pruners.testing.TestImages;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FastVPrunerFactoryTest {

  private static final ModelGeometry GRID_2X3 = new ModelGeometry(8, 2, 3, 64, 128);
  private static final ModelGeometry LLAVA = new ModelGeometry(32, 24, 24, 4096, 11008);
  private final FastVPrunerFactory factory = new FastVPrunerFactory();

  @Test
  void prunesAfterLayerKMinusOneWithLastPromptRow() {
    TokenPruner pruner = factory.create(Map.of(), LLAVA);
    assertThat(pruner.pruneAfterLayers()).containsExactly(1);
    assertThat(pruner.queryRows()).isEqualTo(QueryRows.LAST_PROMPT);
    assertThat(factory.create(Map.of("k", "3"), LLAVA).pruneAfterLayers()).containsExactly(2);
  }

  @Test
  void keepsTopHalfOfHandMadeScores() {
    TokenPruner pruner = factory.create(Map.of(), GRID_2X3);
    PruningSnapshot view =
        PruningSnapshot.allLive(
            1, 2, 3, new float[] {0.1f, 0.6f, 0.3f, 0.9f, 0.3f, 0.0f}, TestImages.flat(6, 4, 0));
    // 0.9 (3), 0.6 (1), then 0.3 tied between 2 and 4: the lower index wins
    assertThat(pruner.prune(view)).isEqualTo(new KeepSet(new int[] {1, 2, 3}));
  }

  @Test
  void keepTokensKeepsThatMany() {
    TokenPruner pruner = factory.create(Map.of("keep_tokens", "2"), GRID_2X3);
    PruningSnapshot view =
        PruningSnapshot.allLive(
            1, 2, 3, new float[] {0.1f, 0.6f, 0.3f, 0.9f, 0.3f, 0.0f}, TestImages.flat(6, 4, 0));
    assertThat(pruner.prune(view).keptVisualTokens()).containsExactly(1, 3);
  }

  @Test
  void plansItsKeepCount() {
    PlannedPruner pruner = (PlannedPruner) factory.create(Map.of("keep_ratio", "0.25"), LLAVA);
    assertThat(pruner.plan().pruneAfterLayers()).containsExactly(1);
    assertThat(pruner.plan().visualTokensKept()).containsExactly(144);
  }

  @Test
  void rejectsUnknownParameter() {
    assertThatThrownBy(() -> factory.create(Map.of("keep", "0.5"), LLAVA))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessage(
            "pruner 'fastv' has no parameter 'keep'; known: k, keep_ratio, keep_tokens,"
                + " positions");
  }

  @Test
  void positionsAreKeptUnlessRenumberingIsAsked() {
    assertThat(factory.create(Map.of(), LLAVA).positions()).isEqualTo(Positions.KEEP);
    assertThat(factory.create(Map.of("positions", "RENUMBER"), LLAVA).positions())
        .isEqualTo(Positions.RENUMBER);
    assertThat(factory.create(Map.of(), LLAVA).ranking()).isEqualTo(Ranking.OWN);
    assertThatThrownBy(() -> factory.create(Map.of("positions", "shift"), LLAVA))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessageContaining("positions");
  }

  @Test
  void rejectsRatioAndTokensTogether() {
    assertThatThrownBy(() -> factory.create(Map.of("keep_ratio", "0.5", "keep_tokens", "9"), LLAVA))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessageContaining("not both");
  }

  @Test
  void rejectsLayerAtOrBeyondModelDepth() {
    assertThatThrownBy(() -> factory.create(Map.of("k", "32"), LLAVA))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessageContaining("'k' = '32'")
        .hasMessageContaining("[1, 31] for this model (32 layers)");
    assertThatThrownBy(() -> factory.create(Map.of("k", "0"), LLAVA))
        .hasMessageContaining("'k' = '0' is invalid; expected an integer in [1, 1023]");
  }

  @Test
  void rejectsRatioOutOfRangeAndZero() {
    assertThatThrownBy(() -> factory.create(Map.of("keep_ratio", "1.5"), LLAVA))
        .hasMessageContaining("'keep_ratio' = '1.5' is invalid; expected a number in (0.0, 1.0]");
    assertThatThrownBy(() -> factory.create(Map.of("keep_ratio", "0"), LLAVA))
        .hasMessageContaining("expected a number in (0.0, 1.0]");
    assertThatThrownBy(() -> factory.create(Map.of("keep_ratio", "half"), LLAVA))
        .hasMessageContaining("'keep_ratio' = 'half' is invalid");
  }

  @Test
  void rejectsKeepTokensAboveVisualTokens() {
    assertThatThrownBy(() -> factory.create(Map.of("keep_tokens", "577"), LLAVA))
        .hasMessageContaining("'keep_tokens' = '577'")
        .hasMessageContaining("[1, 576] for this model");
  }
}
