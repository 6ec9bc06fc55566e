package io.gcgserve.eval.viz;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.altp.AltpPrunerFactory;
import io.gcgserve.pruners.pdrop.PyramidDropPrunerFactory;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecordingPrunerTest {

  private static ImageRgb noise() {
    Random random = new Random(1);
    int[] pixels = new int[96 * 96];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextInt(1 << 24);
    }
    return new ImageRgb(96, 96, pixels);
  }

  @Test
  void recordsEveryStageWithoutChangingTheDecision() {
    ModelGeometry geometry = new ModelGeometry(8, 24, 24, 64, 128);
    TokenPruner plain = new PyramidDropPrunerFactory().create(Map.of(), geometry);
    RecordingPruner recorder =
        new RecordingPruner(new PyramidDropPrunerFactory().create(Map.of(), geometry));
    PruneVizCommand.runWithoutModel(recorder, noise());
    assertThat(recorder.steps()).hasSize(3);
    assertThat(recorder.steps().get(2).kept().size()).isEqualTo(72);
    assertThat(recorder.steps().get(1).liveBefore())
        .isEqualTo(recorder.steps().get(0).kept().keptVisualTokens());
    assertThat(recorder.pruneAfterLayers()).isEqualTo(plain.pruneAfterLayers());
  }

  @Test
  void capturesAltpSuperpixels() {
    ModelGeometry geometry = new ModelGeometry(8, 24, 24, 64, 128);
    RecordingPruner recorder =
        new RecordingPruner(new AltpPrunerFactory().create(Map.of(), geometry));
    PruneVizCommand.runWithoutModel(recorder, noise());
    PruneStep step = recorder.steps().get(0);
    assertThat(step.segmentation()).isNotNull();
    assertThat(step.kept()).isInstanceOf(KeepSet.class);
    assertThat(step.kept().size()).isEqualTo(288);
  }
}
