package io.gcgserve.pruners.fastv;

import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.QueryRows;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.flops.PlannedPruner;
import io.gcgserve.pruners.flops.PrunePlan;
import io.gcgserve.pruners.ranking.AttentionRanking;
import io.gcgserve.pruners.ranking.KeepBudget;
import io.gcgserve.pruners.ranking.LayerParameter;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * FastV (Chen et al., 2024): after layer {@code k-1}, keep the visual tokens that the last prompt
 * token attends to most at that layer (mean over heads); the others never enter layers {@code >=
 * k}. The baseline every other pruner is compared with.
 */
public final class FastVPrunerFactory implements PrunerFactory {

  /** Registry name. */
  public static final String NAME = "fastv";

  private static final ParameterSpec LAYER = LayerParameter.spec(2);
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
  public List<ParameterSpec> parameters() {
    return List.of(LAYER, KEEP_RATIO, KEEP_TOKENS);
  }

  @Override
  public TokenPruner create(Map<String, String> rawParameters, ModelGeometry geometry) {
    Objects.requireNonNull(rawParameters, "rawParameters is null");
    Objects.requireNonNull(geometry, "geometry is null");
    ParameterSpec.rejectUnknown(NAME, rawParameters, parameters());
    int layer = LayerParameter.parse(NAME, rawParameters, LAYER, geometry);
    KeepBudget budget =
        KeepBudget.parse(NAME, rawParameters, KEEP_RATIO, KEEP_TOKENS, geometry.visualTokens());
    return new FastVPruner(layer - 1, budget, geometry.visualTokens());
  }

  /** One request's FastV step. */
  static final class FastVPruner implements PlannedPruner {
    private final int pruneAfterLayer;
    private final KeepBudget budget;
    private final int visualTokens;

    FastVPruner(int pruneAfterLayer, KeepBudget budget, int visualTokens) {
      this.pruneAfterLayer = pruneAfterLayer;
      this.budget = budget;
      this.visualTokens = visualTokens;
    }

    @Override
    public int[] pruneAfterLayers() {
      return new int[] {pruneAfterLayer};
    }

    @Override
    public QueryRows queryRows() {
      return QueryRows.LAST_PROMPT;
    }

    @Override
    public KeepSet prune(PruningView view) {
      int[] live = view.liveVisualTokens();
      int keep = budget.keepCount(live.length);
      return new KeepSet(AttentionRanking.topTokens(live, view.attentionToVisual(), keep));
    }

    @Override
    public PrunePlan plan() {
      return new PrunePlan(new int[] {pruneAfterLayer}, new int[] {budget.keepCount(visualTokens)});
    }
  }
}
