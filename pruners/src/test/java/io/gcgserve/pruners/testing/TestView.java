package io.gcgserve.pruners.testing;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.PruningView;

/** A hand-made {@link PruningView} for tests: fixed live tokens, scores and image. */
public record TestView(
    int layer,
    int gridHeight,
    int gridWidth,
    int[] liveVisualTokens,
    float[] attentionToVisual,
    ImageRgb image)
    implements PruningView {

  /** A view where every token of the grid is live. */
  public static TestView allLive(
      int layer, int gridHeight, int gridWidth, float[] scores, ImageRgb image) {
    int[] live = new int[gridHeight * gridWidth];
    for (int i = 0; i < live.length; i++) {
      live[i] = i;
    }
    return new TestView(layer, gridHeight, gridWidth, live, scores, image);
  }

  @Override
  public int[] liveVisualTokens() {
    return liveVisualTokens.clone();
  }

  @Override
  public float[] attentionToVisual() {
    return attentionToVisual.clone();
  }
}
