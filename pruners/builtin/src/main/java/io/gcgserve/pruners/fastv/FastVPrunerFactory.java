package io.gcgserve.pruners.fastv;

import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PruningHooks;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.SingleLayerPruner;
import io.gcgserve.pruners.SingleLayerPrunerFactory;
import io.gcgserve.pruners.flops.PlannedPruner;
import io.gcgserve.pruners.flops.PrunePlan;
import io.gcgserve.pruners.ranking.AttentionRanking;
import io.gcgserve.pruners.ranking.KeepBudget;
import java.util.List;
import java.util.Map;

/**
 * FastV (Chen et al., 2024): after layer {@code k-1}, keep the visual tokens that the last prompt
 * token attends to most at that layer (mean over heads); the others never enter layers {@code >=
 * k}. The baseline every other pruner is compared with.
 */
public final class FastVPrunerFactory extends SingleLayerPrunerFactory<PlannedPruner> {

  /** Registry name. */
  public static final String NAME = "fastv";

  private static final ParameterSpec KEEP_RATIO = KeepBudget.ratioSpec(0.5);
  private static final ParameterSpec KEEP_TOKENS = KeepBudget.tokensSpec();

  /** Creates the factory; stateless. */
  public FastVPrunerFactory() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "FastV: once, before layer k, keep the visual tokens the last prompt token attends to"
        + " most at layer k-1.";
  }

  @Override
  protected List<ParameterSpec> pruningParameters() {
    return List.of(KEEP_RATIO, KEEP_TOKENS, PruningHooks.POSITIONS);
  }

  @Override
  protected PlannedPruner createAfterLayer(
      int pruneAfterLayer, Map<String, String> rawParameters, ModelGeometry geometry) {
    KeepBudget budget =
        KeepBudget.parse(NAME, rawParameters, KEEP_RATIO, KEEP_TOKENS, geometry.visualTokens());
    return new FastVPruner(
        pruneAfterLayer,
        budget,
        geometry.visualTokens(),
        PruningHooks.positions(NAME, rawParameters));
  }

  /** One request's FastV step. */
  static final class FastVPruner extends SingleLayerPruner implements PlannedPruner {
    private final KeepBudget budget;
    private final int visualTokens;
    private final Positions positions;

    FastVPruner(int pruneAfterLayer, KeepBudget budget, int visualTokens, Positions positions) {
      super(pruneAfterLayer);
      this.budget = budget;
      this.visualTokens = visualTokens;
      this.positions = positions;
    }

    @Override
    public Positions positions() {
      return positions;
    }

    @Override
    public KeepSet prune(PruningView view) {
      int[] live = view.liveVisualTokens();
      int keep = budget.keepCount(live.length);
      return new KeepSet(AttentionRanking.topTokens(live, view.attentionToVisual(), keep));
    }

    @Override
    public PrunePlan plan() {
      return planKeeping(budget.keepCount(visualTokens));
    }
  }
}
