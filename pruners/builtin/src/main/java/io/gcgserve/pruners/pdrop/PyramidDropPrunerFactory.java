package io.gcgserve.pruners.pdrop;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PruningHooks;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.QueryRows;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.flops.PlannedPruner;
import io.gcgserve.pruners.flops.PrunePlan;
import io.gcgserve.pruners.ranking.AttentionRanking;
import io.gcgserve.pruners.ranking.KeepBudget;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * PyramidDrop (Xing et al., 2024): the LLM is split into stages at {@code stage_layers} (default
 * {@code L/4, L/2, 3L/4}); at each stage boundary {@code s} (after layer {@code s-1}) the visual
 * tokens the last prompt token attends to least are dropped, keeping a fraction {@code lambda} of
 * the survivors.
 *
 * <p>Rounding: after stage {@code j} (1-based) the pruner keeps {@code round(N_v·lambda^j)} tokens
 * (halves up, at least one), computed from the original count {@code N_v} rather than compounded
 * stage by stage, so rounding never drifts. With {@code keep_tokens}, {@code lambda =
 * (keep_tokens/N_v)^(1/stages)} and the last stage keeps exactly {@code keep_tokens}; {@code
 * keep_ratio} r is the same as {@code keep_tokens = round(r·N_v)} (at least one), the vocabulary
 * FastV and ALTP use. Default stage layers are {@code Math.round(L/4), Math.round(L/2),
 * Math.round(3L/4)}, with duplicates and values outside {@code [1, L-1]} removed.
 *
 * <p>By default it follows the reference code: ranking through the next layer's projections and
 * survivors' RoPE positions renumbered; {@code ranking=own positions=keep} is the behaviour this
 * project served before it was checked against the reference.
 */
public final class PyramidDropPrunerFactory implements PrunerFactory {

  /** Registry name. */
  public static final String NAME = "pdrop";

  /** As the reference does: survivors renumbered after each stage boundary. */
  private static final ParameterSpec POSITIONS = PruningHooks.positionsSpec("renumber");

  /**
   * As the reference does: the tokens that enter stage s are ranked through layer s's norm and
   * query/key projections ({@code ranking=own} is this project's earlier behaviour).
   */
  private static final ParameterSpec RANKING = PruningHooks.rankingSpec("next_layer");

  private static final ParameterSpec STAGE_LAYERS =
      ParameterSpec.ofIntList(
          "stage_layers",
          "Stage boundaries as layer indices, strictly increasing, each in [1, L-1]; the pruner"
              + " prunes after layer s-1 for each s. Default: L/4, L/2, 3L/4 (rounded).",
          null,
          1,
          1023);
  private static final ParameterSpec LAMBDA =
      ParameterSpec.ofDoubleAboveMin(
          "lambda",
          "Fraction of the surviving visual tokens kept at each stage boundary; exclusive with"
              + " keep_tokens and keep_ratio.",
          0.5,
          0.0,
          1.0);
  private static final ParameterSpec KEEP_TOKENS =
      ParameterSpec.ofInt(
          KeepBudget.KEEP_TOKENS,
          "Visual tokens left after the last stage; lambda is derived as"
              + " (keep_tokens/N_v)^(1/stages). Exclusive with lambda and keep_ratio.",
          null,
          1,
          1 << 20);
  private static final ParameterSpec KEEP_RATIO =
      ParameterSpec.ofDoubleAboveMin(
          KeepBudget.KEEP_RATIO,
          "Fraction of the visual tokens left after the last stage: keep_tokens ="
              + " round(keep_ratio * N_v), at least one. Exclusive with lambda and keep_tokens.",
          null,
          0.0,
          1.0);

  /** Creates the factory; stateless. */
  public PyramidDropPrunerFactory() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "PyramidDrop: at each stage boundary (default L/4, L/2, 3L/4) keep lambda of the"
        + " surviving visual tokens, ranked by the last prompt token's attention.";
  }

  @Override
  public List<ParameterSpec> parameters() {
    return List.of(STAGE_LAYERS, LAMBDA, KEEP_TOKENS, KEEP_RATIO, POSITIONS, RANKING);
  }

  /** The default stage boundaries for a model with {@code layers} layers. */
  public static int[] defaultStageLayers(int layers) {
    TreeSet<Integer> stages = new TreeSet<>();
    for (int quarter = 1; quarter <= 3; quarter++) {
      int stage = (int) Math.round(layers * quarter / 4.0);
      if (stage > 0 && stage < layers) {
        stages.add(stage);
      }
    }
    return stages.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public TokenPruner create(Map<String, String> rawParameters, ModelGeometry geometry) {
    Objects.requireNonNull(rawParameters, "rawParameters is null");
    Objects.requireNonNull(geometry, "geometry is null");
    ParameterSpec.rejectUnknown(NAME, rawParameters, parameters());
    int[] stages = parseStages(rawParameters.get(STAGE_LAYERS.name()), geometry.layers());
    String lambdaText = rawParameters.get(LAMBDA.name());
    String keepText = rawParameters.get(KEEP_TOKENS.name());
    String ratioText = rawParameters.get(KEEP_RATIO.name());
    rejectMoreThanOneBudget(lambdaText, keepText, ratioText);
    int visualTokens = geometry.visualTokens();
    int[] keptAfterStage = new int[stages.length];
    if (keepText != null || ratioText != null) {
      int finalCount =
          KeepBudget.parse(NAME, rawParameters, KEEP_RATIO, KEEP_TOKENS, visualTokens)
              .keepCount(visualTokens);
      double lambda = Math.pow(finalCount / (double) visualTokens, 1.0 / stages.length);
      fillCounts(keptAfterStage, visualTokens, lambda);
      if (stages.length > 0) {
        keptAfterStage[stages.length - 1] = finalCount;
      }
    } else {
      String text = lambdaText != null ? lambdaText : Objects.requireNonNull(LAMBDA.defaultValue());
      double lambda = LAMBDA.parseDouble(NAME, text);
      fillCounts(keptAfterStage, visualTokens, lambda);
    }
    int[] pruneAfter = new int[stages.length];
    for (int i = 0; i < stages.length; i++) {
      pruneAfter[i] = stages[i] - 1;
    }
    return new PyramidDropPruner(
        new PrunePlan(pruneAfter, keptAfterStage),
        PruningHooks.positions(NAME, rawParameters, POSITIONS),
        PruningHooks.ranking(NAME, rawParameters, RANKING));
  }

  private static void rejectMoreThanOneBudget(
      @Nullable String lambda, @Nullable String keepTokens, @Nullable String keepRatio) {
    Map<String, String> given = new LinkedHashMap<>();
    if (lambda != null) {
      given.put(LAMBDA.name(), lambda);
    }
    if (keepTokens != null) {
      given.put(KEEP_TOKENS.name(), keepTokens);
    }
    if (keepRatio != null) {
      given.put(KEEP_RATIO.name(), keepRatio);
    }
    if (given.size() > 1) {
      throw new InvalidPrunerParameterException(
          "pruner 'pdrop': give one of 'lambda', 'keep_tokens' or 'keep_ratio', not several (got "
              + given.entrySet().stream()
                  .map(entry -> entry.getKey() + "=" + entry.getValue())
                  .collect(Collectors.joining(", "))
              + ")");
    }
  }

  private static void fillCounts(int[] keptAfterStage, int visualTokens, double lambda) {
    for (int stage = 0; stage < keptAfterStage.length; stage++) {
      long count = Math.round(visualTokens * Math.pow(lambda, stage + 1));
      keptAfterStage[stage] = (int) Math.max(1, Math.min(visualTokens, count));
    }
  }

  private static int[] parseStages(@Nullable String text, int layers) {
    if (text == null) {
      int[] stages = defaultStageLayers(layers);
      if (stages.length == 0) {
        throw new InvalidPrunerParameterException(
            "pruner 'pdrop': the model has " + layers + " layer(s), too few for any stage");
      }
      return stages;
    }
    int[] stages = STAGE_LAYERS.parseIntList(NAME, text);
    for (int stage : stages) {
      if (stage >= layers) {
        throw new InvalidPrunerParameterException(
            "pruner 'pdrop': parameter 'stage_layers' = '"
                + text
                + "' is invalid; each stage layer must be in [1, "
                + (layers - 1)
                + "] for this model ("
                + layers
                + " layers), got "
                + stage);
      }
    }
    for (int i = 1; i < stages.length; i++) {
      if (stages[i] <= stages[i - 1]) {
        throw new InvalidPrunerParameterException(
            "pruner 'pdrop': parameter 'stage_layers' = '"
                + text
                + "' is invalid; stage layers must be strictly increasing, got "
                + Arrays.toString(stages));
      }
    }
    return stages;
  }

  /** One request's PyramidDrop schedule. */
  static final class PyramidDropPruner implements PlannedPruner {
    private final PrunePlan plan;
    private final int[] pruneAfter;
    private final int[] keptAfter;
    private final Positions positions;
    private final Ranking ranking;

    PyramidDropPruner(PrunePlan plan, Positions positions, Ranking ranking) {
      this.plan = plan;
      this.pruneAfter = plan.pruneAfterLayers();
      this.keptAfter = plan.visualTokensKept();
      this.positions = positions;
      this.ranking = ranking;
    }

    @Override
    public Positions positions() {
      return positions;
    }

    @Override
    public Ranking ranking() {
      return ranking;
    }

    @Override
    public int[] pruneAfterLayers() {
      return pruneAfter.clone();
    }

    @Override
    public QueryRows queryRows() {
      return QueryRows.LAST_PROMPT;
    }

    @Override
    public KeepSet prune(PruningView view) {
      int stage = Arrays.binarySearch(pruneAfter, view.layer());
      if (stage < 0) {
        throw new IllegalStateException(
            "pdrop was asked to prune after layer "
                + view.layer()
                + " but planned "
                + Arrays.toString(pruneAfter));
      }
      int[] live = view.liveVisualTokens();
      int keep = Math.min(keptAfter[stage], live.length);
      return new KeepSet(AttentionRanking.topTokens(live, view.attentionToVisual(), keep));
    }

    @Override
    public PrunePlan plan() {
      return plan;
    }
  }
}
