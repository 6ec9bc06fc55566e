package io.gcgserve.examples.grid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.PruningView;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GridPrunerFactoryTest {

  private static final ModelGeometry GEOMETRY = new ModelGeometry(8, 24, 24, 256, 704);

  @Test
  void strideTwoKeepsEveryOtherRowAndColumn() {
    GridPruner pruner =
        (GridPruner) new GridPrunerFactory().create(Map.of("stride", "2"), GEOMETRY);
    KeepSet kept = pruner.prune(view(IntStream.range(0, 576).toArray()));
    assertThat(kept.size()).isEqualTo(144);
    assertThat(kept.keptVisualTokens()).contains(0, 2, 48, 50).doesNotContain(1, 24);
    assertThat(pruner.pruneAfterLayers()).containsExactly(1);
  }

  @Test
  void keepRatioQuarterKeepsAQuarterOfTheGrid() {
    GridPruner pruner =
        (GridPruner)
            new GridPrunerFactory().create(Map.of("keep_ratio", "0.25", "layer", "3"), GEOMETRY);
    assertThat(pruner.latticeSize()).isEqualTo(144);
    assertThat(pruner.pruneAfterLayers()).containsExactly(3);
  }

  @Test
  void keepsOnlyLiveTokensAndNeverNone() {
    GridPruner pruner =
        (GridPruner) new GridPrunerFactory().create(Map.of("stride", "24"), GEOMETRY);
    assertThat(pruner.prune(view(new int[] {0, 5, 7})).keptVisualTokens()).containsExactly(0);
    assertThat(pruner.prune(view(new int[] {5, 7})).keptVisualTokens()).containsExactly(5);
  }

  @Test
  void rejectsStrideAndRatioTogether() {
    assertThatThrownBy(
            () ->
                new GridPrunerFactory()
                    .create(Map.of("stride", "2", "keep_ratio", "0.5"), GEOMETRY))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessageContaining("either 'stride' or 'keep_ratio'");
  }

  @Test
  void rejectsLayerBeyondTheModel() {
    assertThatThrownBy(() -> new GridPrunerFactory().create(Map.of("layer", "7"), GEOMETRY))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessageContaining("[0, 6]");
  }

  @Test
  void isListedForServiceLoader() {
    assertThat(ServiceLoader.load(PrunerFactory.class).stream().map(ServiceLoader.Provider::type))
        .contains(GridPrunerFactory.class);
  }

  private static PruningView view(int[] live) {
    return new PruningSnapshot(
        1, 24, 24, live, new float[live.length], new ImageRgb(1, 1, new int[1]));
  }
}
