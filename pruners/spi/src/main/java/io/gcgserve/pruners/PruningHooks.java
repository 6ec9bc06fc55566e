package io.gcgserve.pruners;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The parameters that choose how the model applies a pruner's decisions, shared by the built-in
 * pruners: {@code positions} ({@link TokenPruner.Positions}) and {@code ranking} ({@link
 * TokenPruner.Ranking}).
 */
public final class PruningHooks {

  /** {@code positions=keep|renumber}, default {@code keep} (FastV's reference). */
  public static final ParameterSpec POSITIONS = positionsSpec("keep");

  /** {@code ranking=own|next_layer}, default {@code own} (FastV's reference). */
  public static final ParameterSpec RANKING = rankingSpec("own");

  /** {@code positions=keep|renumber} with a pruner's own default. */
  public static ParameterSpec positionsSpec(String defaultValue) {
    return ParameterSpec.ofEnum(
        "positions",
        "RoPE numbering after pruning: keep = every token keeps its original position (FastV's"
            + " reference); renumber = survivors are numbered consecutively after each pruning"
            + " point (PyramidDrop's reference).",
        defaultValue,
        List.of("keep", "renumber"));
  }

  /** {@code ranking=own|next_layer} with a pruner's own default. */
  public static ParameterSpec rankingSpec(String defaultValue) {
    return ParameterSpec.ofEnum(
        "ranking",
        "Attention that ranks the tokens when pruning after layer l: own = layer l's"
            + " (FastV's reference); next_layer = layer l+1's norm and query/key projections"
            + " applied to layer l's output (PyramidDrop's reference).",
        defaultValue,
        List.of("own", "next_layer"));
  }

  private PruningHooks() {}

  /** The {@code positions} parameter of {@code pruner}'s raw parameters, or its default. */
  public static TokenPruner.Positions positions(String pruner, Map<String, String> raw) {
    return positions(pruner, raw, POSITIONS);
  }

  /** As {@link #positions(String, Map)}, with {@code spec}'s default (a pruner's own). */
  public static TokenPruner.Positions positions(
      String pruner, Map<String, String> raw, ParameterSpec spec) {
    String text = raw.getOrDefault(spec.name(), Objects.requireNonNull(spec.defaultValue()));
    return "renumber".equals(spec.parseEnum(pruner, text))
        ? TokenPruner.Positions.RENUMBER
        : TokenPruner.Positions.KEEP;
  }

  /**
   * The {@code ranking} parameter of {@code pruner}'s raw parameters, with {@code spec}'s default.
   */
  public static TokenPruner.Ranking ranking(
      String pruner, Map<String, String> raw, ParameterSpec spec) {
    String text = raw.getOrDefault(spec.name(), Objects.requireNonNull(spec.defaultValue()));
    return "next_layer".equals(spec.parseEnum(pruner, text))
        ? TokenPruner.Ranking.NEXT_LAYER
        : TokenPruner.Ranking.OWN;
  }
}
