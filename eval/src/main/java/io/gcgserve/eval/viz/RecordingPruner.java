package io.gcgserve.eval.viz;

import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.QueryRows;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.altp.AltpPruner;
import io.gcgserve.pruners.altp.AltpSelection;
import io.gcgserve.pruners.altp.Segmentation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Wraps a pruner and records every call (view and decision) so that a picture can be drawn after
 * the generation, without changing what the pruner decides.
 */
public final class RecordingPruner implements TokenPruner {

  private final TokenPruner delegate;
  private final List<PruneStep> steps = new ArrayList<>();

  /** Wraps {@code delegate}. */
  public RecordingPruner(TokenPruner delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate is null");
  }

  @Override
  public int[] pruneAfterLayers() {
    return delegate.pruneAfterLayers();
  }

  @Override
  public QueryRows queryRows() {
    return delegate.queryRows();
  }

  @Override
  public KeepSet prune(PruningView view) {
    KeepSet kept = delegate.prune(view);
    @Nullable Segmentation segmentation = null;
    if (delegate instanceof AltpPruner altp) {
      // the superpixels the pruner really used, not a second segmentation
      segmentation = altp.lastSelection().map(AltpSelection::segmentation).orElse(null);
    }
    steps.add(
        new PruneStep(
            view.layer(),
            view.gridHeight(),
            view.gridWidth(),
            view.liveVisualTokens(),
            view.attentionToVisual(),
            view.image(),
            kept,
            segmentation));
    return kept;
  }

  /** The calls so far, in order. */
  public List<PruneStep> steps() {
    return List.copyOf(steps);
  }
}
