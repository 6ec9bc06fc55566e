package io.gcgserve.examples.grid;

import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.SingleLayerPruner;
import java.util.Arrays;

/**
 * Keeps the live visual tokens that lie on a fixed lattice of grid positions, once, after layer
 * {@code k-1}. Attention is not consulted.
 */
final class GridPruner extends SingleLayerPruner {

  private final int[] latticeTokens;

  /**
   * @param pruneAfterLayer prune after this zero-based layer, {@code k-1}
   * @param latticeTokens sorted grid indices on the lattice
   */
  GridPruner(int pruneAfterLayer, int[] latticeTokens) {
    super(pruneAfterLayer);
    this.latticeTokens = latticeTokens.clone();
  }

  /** Grid indices {@code row * gridWidth + column} for every row and column given, sorted. */
  static int[] lattice(int[] rows, int[] columns, int gridWidth) {
    int[] out = new int[rows.length * columns.length];
    int next = 0;
    for (int row : rows) {
      for (int column : columns) {
        out[next++] = row * gridWidth + column;
      }
    }
    Arrays.sort(out);
    return out;
  }

  @Override
  public KeepSet prune(PruningView view) {
    int[] live = view.liveVisualTokens();
    int[] kept = new int[Math.min(live.length, latticeTokens.length)];
    int count = 0;
    for (int token : live) {
      if (Arrays.binarySearch(latticeTokens, token) >= 0) {
        kept[count++] = token;
      }
    }
    if (count == 0 && live.length > 0) {
      // never leave the LLM blind: an earlier pruner may have removed the whole lattice
      return new KeepSet(new int[] {live[0]});
    }
    return new KeepSet(Arrays.copyOf(kept, count));
  }

  /** Number of lattice positions, before intersecting with the live tokens. */
  int latticeSize() {
    return latticeTokens.length;
  }
}
