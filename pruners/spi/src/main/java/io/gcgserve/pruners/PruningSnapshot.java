package io.gcgserve.pruners;

import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A {@link PruningView} over plain arrays: what the model hands a pruner, and what tools and tests
 * build by hand (the visualiser without a model, the pruner benchmark).
 *
 * @param layer zero-based layer that just ran
 * @param gridHeight visual token rows
 * @param gridWidth visual token columns
 * @param liveVisualTokens live grid indices, strictly increasing
 * @param attentionToVisual scores aligned with {@code liveVisualTokens}
 * @param image the image as the vision encoder saw it
 * @param cancellation the request's cancellation flag ({@link #cancelled}); never true for a
 *     snapshot built without one
 */
public record PruningSnapshot(
    int layer,
    int gridHeight,
    int gridWidth,
    int[] liveVisualTokens,
    float[] attentionToVisual,
    ImageRgb image,
    BooleanSupplier cancellation)
    implements PruningView {

  /** Checks that scores and live tokens line up. */
  public PruningSnapshot {
    Objects.requireNonNull(cancellation, "cancellation is null");
    if (liveVisualTokens.length != attentionToVisual.length) {
      throw new IllegalArgumentException(
          liveVisualTokens.length + " live tokens but " + attentionToVisual.length + " scores");
    }
  }

  /** A snapshot of a request that is never cancelled (tools, tests). */
  public PruningSnapshot(
      int layer,
      int gridHeight,
      int gridWidth,
      int[] liveVisualTokens,
      float[] attentionToVisual,
      ImageRgb image) {
    this(layer, gridHeight, gridWidth, liveVisualTokens, attentionToVisual, image, () -> false);
  }

  /** A snapshot where every token of the grid is live. */
  public static PruningSnapshot allLive(
      int layer, int gridHeight, int gridWidth, float[] scores, ImageRgb image) {
    int[] live = new int[gridHeight * gridWidth];
    for (int i = 0; i < live.length; i++) {
      live[i] = i;
    }
    return new PruningSnapshot(layer, gridHeight, gridWidth, live, scores, image);
  }

  @Override
  public int[] liveVisualTokens() {
    return liveVisualTokens.clone();
  }

  @Override
  public float[] attentionToVisual() {
    return attentionToVisual.clone();
  }

  /** This snapshot as the view of a request whose cancellation {@code flag} reports. */
  public PruningSnapshot withCancellation(BooleanSupplier flag) {
    return new PruningSnapshot(
        layer, gridHeight, gridWidth, liveVisualTokens, attentionToVisual, image, flag);
  }

  @Override
  public boolean cancelled() {
    return cancellation.getAsBoolean();
  }
}
