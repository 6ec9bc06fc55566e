package io.gcgserve.pruners;

import io.gcgserve.pruners.flops.PrunePlan;

/**
 * Base of a pruner that prunes once, after one layer, as {@link SingleLayerPrunerFactory} builds
 * them; it answers {@link #pruneAfterLayers()} so subclasses only decide what to keep.
 *
 * <p>The attention it asks for is the last prompt token's ({@link QueryRows#LAST_PROMPT}), what
 * FastV and every built-in ranks by; a subclass may override {@link #queryRows()}.
 */
public abstract class SingleLayerPruner implements TokenPruner {

  private final int pruneAfterLayer;

  /**
   * For subclasses.
   *
   * @param pruneAfterLayer zero-based layer after which the pruner prunes ({@code k-1})
   */
  protected SingleLayerPruner(int pruneAfterLayer) {
    if (pruneAfterLayer < 0) {
      throw new IllegalArgumentException(
          "the layer to prune after must be >= 0, got " + pruneAfterLayer);
    }
    this.pruneAfterLayer = pruneAfterLayer;
  }

  /** The zero-based layer after which this pruner prunes, {@code k-1}. */
  public final int pruneAfterLayer() {
    return pruneAfterLayer;
  }

  /** The one layer, {@code k-1}. */
  @Override
  public final int[] pruneAfterLayers() {
    return new int[] {pruneAfterLayer};
  }

  @Override
  public QueryRows queryRows() {
    return QueryRows.LAST_PROMPT;
  }

  /**
   * The plan of one pruning step that leaves {@code visualTokensKept} tokens, for subclasses that
   * also implement {@link io.gcgserve.pruners.flops.PlannedPruner}.
   */
  protected final PrunePlan planKeeping(int visualTokensKept) {
    return new PrunePlan(new int[] {pruneAfterLayer}, new int[] {visualTokensKept});
  }
}
