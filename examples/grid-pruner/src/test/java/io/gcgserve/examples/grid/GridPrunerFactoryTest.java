package io.gcgserve.examples.grid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.SingleLayerPrunerFactory;
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
  void keepRatioQuarterKeepsAQuarterOfTheGridBeforeLayerK() {
    GridPruner pruner =
        (GridPruner)
            new GridPrunerFactory().create(Map.of("keep_ratio", "0.25", "k", "3"), GEOMETRY);
    assertThat(pruner.latticeSize()).isEqualTo(144);
    // one-based k as in FastV: layers 0..2 see every token, so the pruner runs after layer 2
    assertThat(pruner.pruneAfterLayers()).containsExactly(2);
  }

  @Test
  void offersTheSameLayerParameterAsTheBuiltIns() {
    assertThat(new GridPrunerFactory().parameters())
        .first()
        .isEqualTo(SingleLayerPrunerFactory.layerSpec());
    assertThat(new GridPrunerFactory().parameters())
        .extracting(ParameterSpec::name)
        .containsExactly("k", "stride", "keep_ratio");
  }

  @Test
  void rejectsTheOldZeroBasedLayerName() {
    assertThatThrownBy(() -> new GridPrunerFactory().create(Map.of("layer", "1"), GEOMETRY))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessage("pruner 'grid' has no parameter 'layer'; known: k, stride, keep_ratio");
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
    assertThatThrownBy(() -> new GridPrunerFactory().create(Map.of("k", "8"), GEOMETRY))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessage(
            "pruner 'grid': parameter 'k' = '8' is invalid; expected an integer in [1, 7] for this"
                + " model (8 layers)");
    assertThat(new GridPrunerFactory().create(Map.of("k", "7"), GEOMETRY).pruneAfterLayers())
        .containsExactly(6);
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
