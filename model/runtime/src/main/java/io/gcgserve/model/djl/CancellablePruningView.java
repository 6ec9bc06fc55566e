package io.gcgserve.model.djl;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.PruningView;
import java.util.function.BooleanSupplier;

/**
 * What a generation session hands its pruner: the prefill's snapshot, and the request's
 * cancellation flag, which a pruner with long work polls ({@link PruningView#cancelled}).
 */
record CancellablePruningView(PruningSnapshot snapshot, BooleanSupplier cancellation)
    implements PruningView {

  @Override
  public int layer() {
    return snapshot.layer();
  }

  @Override
  public int gridHeight() {
    return snapshot.gridHeight();
  }

  @Override
  public int gridWidth() {
    return snapshot.gridWidth();
  }

  @Override
  public int[] liveVisualTokens() {
    return snapshot.liveVisualTokens();
  }

  @Override
  public float[] attentionToVisual() {
    return snapshot.attentionToVisual();
  }

  @Override
  public ImageRgb image() {
    return snapshot.image();
  }

  @Override
  public boolean cancelled() {
    return cancellation.getAsBoolean();
  }
}
