package io.gcgserve.pruners;

/**
 * One request's pruning plan. Created by a {@link PrunerFactory}; used by one generation on one
 * thread, so implementations may keep per-request state.
 */
public interface TokenPruner {

  /**
   * Zero-based LLM layers after which this pruner prunes, strictly increasing. Pruning after layer
   * {@code l} means layers {@code l+1..} see only the kept visual tokens. Empty for no pruning.
   * FastV with K=2 returns {@code {1}}; PDrop on 8 layers returns {@code {1, 3, 5}}.
   */
  int[] pruneAfterLayers();

  /**
   * Which query rows' attention the model must compute for {@link PruningView#attentionToVisual}.
   */
  QueryRows queryRows();

  /**
   * Decides which visual tokens survive. Called once per layer in {@link #pruneAfterLayers()},
   * during prefill, in increasing layer order.
   *
   * @return a subset of {@code view.liveVisualTokens()}
   */
  KeepSet prune(PruningView view);
}
