package io.gcgserve.eval.viz;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.altp.Segmentation;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PruneVisualizerTest {

  private static final int SIDE = 8;

  private static ImageRgb flat(int rgb) {
    int[] pixels = new int[SIDE * SIDE];
    Arrays.fill(pixels, rgb);
    return new ImageRgb(SIDE, SIDE, pixels);
  }

  /** 2x2 tokens of 4x4 pixels; token 0 kept, token 1 pruned now, tokens 2-3 pruned earlier. */
  private static PruneStep step(Segmentation segmentation) {
    return new PruneStep(
        3,
        2,
        2,
        new int[] {0, 1},
        new float[] {0.9f, 0.1f},
        flat(0xC08040),
        new KeepSet(new int[] {0}),
        segmentation);
  }

  private static int pixel(BufferedImage canvas, int panel, int x, int y) {
    return canvas.getRGB(
            panel * (SIDE + PruneVisualizer.GAP_PIXELS) + x, PruneVisualizer.HEADER_PIXELS + y)
        & 0xFFFFFF;
  }

  @Test
  void drawsInputThenOnePanelPerPruningLayer() {
    PruneStep step = step(null);
    BufferedImage canvas = new PruneVisualizer(1).render(step.image(), List.of(step, step), "in");
    assertThat(canvas.getWidth()).isEqualTo(3 * SIDE + 2 * PruneVisualizer.GAP_PIXELS);
    assertThat(canvas.getHeight()).isEqualTo(SIDE + PruneVisualizer.HEADER_PIXELS);
  }

  @Test
  void keepsKeptPatchesClearAndDimsPrunedOnes() {
    BufferedImage canvas = new PruneVisualizer(1).render(flat(0xC08040), List.of(step(null)), "in");
    assertThat(pixel(canvas, 0, 6, 6)).isEqualTo(0xC08040);
    assertThat(pixel(canvas, 1, 1, 1)).isEqualTo(0xC08040);
    assertThat(pixel(canvas, 1, 6, 1)).isEqualTo(PruneVisualizer.dim(0xC08040));
    assertThat(pixel(canvas, 1, 1, 6)).isEqualTo(PruneVisualizer.grey(0xC08040));
    assertThat(PruneVisualizer.dim(0xC08040)).isNotEqualTo(PruneVisualizer.grey(0xC08040));
  }

  @Test
  void drawsSuperpixelBordersWhereRegionsMeet() {
    int[] labels = new int[SIDE * SIDE];
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        labels[y * SIDE + x] = x < 3 ? 0 : 1;
      }
    }
    Segmentation segmentation = Segmentation.fromLabels(SIDE, SIDE, labels, SIDE, SIDE, 2, 2);
    BufferedImage canvas =
        new PruneVisualizer(1).render(flat(0xC08040), List.of(step(segmentation)), "in");
    assertThat(pixel(canvas, 1, 2, 5)).isEqualTo(PruneVisualizer.BORDER_RGB);
    assertThat(pixel(canvas, 1, 1, 5)).isNotEqualTo(PruneVisualizer.BORDER_RGB);
  }

  @Test
  void scalesSmallImagesUp() {
    BufferedImage canvas = new PruneVisualizer(32).render(flat(0), List.of(), "in");
    assertThat(canvas.getWidth()).isEqualTo(32);
  }
}
