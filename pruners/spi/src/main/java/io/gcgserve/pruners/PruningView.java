package io.gcgserve.pruners;

/**
 * Read-only, engine-free snapshot of the prefill at one layer, handed to {@link TokenPruner#prune}.
 * Arrays returned are owned by the view; pruners must not modify them.
 */
public interface PruningView {

  /** Zero-based index of the layer that just ran. */
  int layer();

  /** Visual token grid height (rows of patches), e.g. 24. */
  int gridHeight();

  /** Visual token grid width (columns of patches), e.g. 24. */
  int gridWidth();

  /**
   * Original grid indices ({@code row * gridWidth + column}) of the visual tokens still present,
   * strictly increasing.
   */
  int[] liveVisualTokens();

  /**
   * Attention that the pruner's {@link TokenPruner#queryRows()} pay to each live visual token at
   * this layer, averaged over heads (and over rows for {@link QueryRows#ALL_TEXT}); index-aligned
   * with {@link #liveVisualTokens()}.
   */
  float[] attentionToVisual();

  /** The image as the vision encoder saw it (resized to the model's input size). */
  ImageRgb image();

  /**
   * Whether the request was cancelled or its deadline passed. A pruner whose work can take more
   * than a few milliseconds polls it and, once it is true, gives up by throwing {@link
   * java.util.concurrent.CancellationException}, so that the request frees its place without
   * waiting for work nobody will read. False by default (tools, tests).
   */
  default boolean cancelled() {
    return false;
  }
}
