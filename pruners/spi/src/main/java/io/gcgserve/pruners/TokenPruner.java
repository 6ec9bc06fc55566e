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
   * @throws java.util.concurrent.CancellationException when {@link PruningView#cancelled} turned
   *     true while it worked (optional: a pruner may also finish its work)
   */
  KeepSet prune(PruningView view);

  /**
   * How the kept tokens are numbered for RoPE in the layers after a pruning point, and for the
   * tokens generated after the prompt: {@link Positions#KEEP} by default.
   */
  default Positions positions() {
    return Positions.KEEP;
  }

  /**
   * Whose attention ranks the visual tokens when pruning after layer {@code l}: {@link Ranking#OWN}
   * by default. The model honours {@link Ranking#NEXT_LAYER} only when layer {@code l + 1} exists,
   * which every pruning point does (pruning after the last layer prunes nothing).
   */
  default Ranking ranking() {
    return Ranking.OWN;
  }

  /** RoPE numbering of the tokens that survive pruning. */
  enum Positions {
    /** Every token keeps its original position (FastV's reference). */
    KEEP,
    /**
     * After each pruning point the surviving tokens are numbered consecutively from 0, and each
     * generated token takes the next number in each layer (PyramidDrop's reference renumbers the
     * survivors of each stage).
     */
    RENUMBER
  }

  /** Which layer's attention ranks the visual tokens at a pruning point after layer {@code l}. */
  enum Ranking {
    /** Layer {@code l}'s own attention (FastV's reference). */
    OWN,
    /**
     * Layer {@code l + 1}'s input norm and query and key projections applied to layer {@code l}'s
     * output, before layer {@code l + 1} runs on the survivors (PyramidDrop's reference ranks at
     * the start of each stage with that stage's first layer).
     */
    NEXT_LAYER
  }
}
