package io.gcgserve.pruners;

import java.util.List;
import java.util.Map;

/** The {@code none} pruner: every visual token reaches every layer. The baseline for A/B tests. */
public final class NoPruner implements PrunerFactory {

  /** Registry name. */
  public static final String NAME = "none";

  private static final TokenPruner KEEP_ALL =
      new TokenPruner() {
        @Override
        public int[] pruneAfterLayers() {
          return new int[0];
        }

        @Override
        public QueryRows queryRows() {
          return QueryRows.LAST_PROMPT;
        }

        @Override
        public KeepSet prune(PruningView view) {
          return new KeepSet(view.liveVisualTokens());
        }
      };

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "No pruning: all visual tokens reach every layer.";
  }

  @Override
  public List<ParameterSpec> parameters() {
    return List.of();
  }

  @Override
  public TokenPruner create(Map<String, String> rawParameters, ModelGeometry geometry) {
    ParameterSpec.rejectUnknown(NAME, rawParameters, parameters());
    return KEEP_ALL;
  }
}
