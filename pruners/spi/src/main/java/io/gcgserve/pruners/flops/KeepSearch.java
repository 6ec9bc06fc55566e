package io.gcgserve.pruners.flops;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.ranking.KeepBudget;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A pruner's keep settings on one model for one prompt: {@code keep_tokens = n} for {@code n} in
 * {@code [1, visual tokens]}, each with the plan the pruner commits to before the prefill, its
 * visual tokens at the last layer and its Eq. 5 FLOPs ratio. Nothing runs the model: the plan comes
 * from the pruner ({@link PlannedPruner}), the ratio from {@link Flops#predictRatio}, which counts
 * what the model reports.
 *
 * <p>A pruner has a keep setting when it takes {@code keep_tokens} and plans ahead; the built-ins
 * all do. Kept tokens and FLOPs grow with {@code n} (checked for every built-in by property tests),
 * so the largest setting that fits a limit is found by bisection in {@code log2(n)} pruner
 * creations. {@link #nearestFlopsRatio} solves a setting for a FLOPs target the same way.
 */
public final class KeepSearch {

  /** The parameters that set how many tokens a pruner keeps; a budget replaces all of them. */
  public static final Set<String> KEEP_PARAMETERS =
      Set.of(KeepBudget.KEEP_RATIO, KeepBudget.KEEP_TOKENS, "lambda");

  /** One keep setting and what it does. */
  public record Setting(
      int keepTokens,
      Map<String, String> parameters,
      TokenPruner pruner,
      int visualTokensKept,
      double flopsRatio,
      double keepRatio) {}

  private final PrunerFactory factory;
  private final ModelGeometry geometry;
  private final Map<String, String> base;
  private final int textTokens;

  /**
   * The settings of {@code factory} with {@code parameters} (keep parameters removed) on {@code
   * geometry}, for a prompt of {@code textTokens} text tokens.
   */
  public KeepSearch(
      PrunerFactory factory,
      Map<String, String> parameters,
      ModelGeometry geometry,
      int textTokens) {
    this.factory = Objects.requireNonNull(factory, "factory is null");
    this.geometry = Objects.requireNonNull(geometry, "geometry is null");
    Map<String, String> copy = new LinkedHashMap<>(parameters);
    copy.keySet().removeAll(KEEP_PARAMETERS);
    this.base = copy;
    this.textTokens = textTokens;
  }

  /**
   * Whether {@code factory} has a keep setting a budget can choose: it takes {@code keep_tokens}.
   */
  public static boolean hasKeepSetting(PrunerFactory factory) {
    for (ParameterSpec spec : factory.parameters()) {
      if (spec.name().equals(KeepBudget.KEEP_TOKENS)) {
        return true;
      }
    }
    return false;
  }

  /** The keep parameter among {@code parameters}, or null when none is set. */
  public static @Nullable String keepParameter(Map<String, String> parameters) {
    for (String name : parameters.keySet()) {
      if (KEEP_PARAMETERS.contains(name)) {
        return name;
      }
    }
    return null;
  }

  /** The visual tokens of the model: the largest setting. */
  public int maxKeepTokens() {
    return geometry.visualTokens();
  }

  /**
   * The setting {@code keep_tokens = n}.
   *
   * @throws InvalidPrunerParameterException when the other parameters are bad
   * @throws IllegalStateException when the pruner does not plan ahead
   */
  public Setting at(int keepTokens) {
    Map<String, String> parameters = new LinkedHashMap<>(base);
    parameters.put(KeepBudget.KEEP_TOKENS, Integer.toString(keepTokens));
    TokenPruner pruner = factory.create(parameters, geometry);
    if (!(pruner instanceof PlannedPruner planned)) {
      throw new IllegalStateException(
          "pruner '" + factory.name() + "' takes keep_tokens but does not plan ahead");
    }
    PrunePlan plan = planned.plan();
    int[] perLayer = Flops.visualTokensPerLayer(plan, geometry.layers(), geometry.visualTokens());
    int kept = perLayer[perLayer.length - 1];
    double ratio = Flops.predictRatio(plan, textTokens, geometry);
    return new Setting(
        keepTokens,
        Map.copyOf(parameters),
        pruner,
        kept,
        ratio,
        (double) kept / geometry.visualTokens());
  }

  /**
   * The largest setting of at least {@code minKeepTokens} that {@code fits}, assuming that if one
   * fits every smaller one does; null when even {@code minKeepTokens} does not fit.
   */
  public @Nullable Setting largest(Predicate<Setting> fits, int minKeepTokens) {
    Setting low = at(Math.max(1, Math.min(minKeepTokens, maxKeepTokens())));
    if (!fits.test(low)) {
      return null;
    }
    Setting high = at(maxKeepTokens());
    if (fits.test(high)) {
      return high;
    }
    // invariant: low fits, high does not
    while (high.keepTokens() - low.keepTokens() > 1) {
      Setting middle = at((low.keepTokens() + high.keepTokens()) >>> 1);
      if (fits.test(middle)) {
        low = middle;
      } else {
        high = middle;
      }
    }
    return low;
  }

  /**
   * The setting whose Eq. 5 ratio is nearest {@code target} (the equal-FLOPs protocol: a method's
   * keep setting solved so that its FLOPs match another's): the largest setting at or under the
   * target, or the next one up when that is nearer (ties: the smaller). Since the ratio grows with
   * the setting, no other setting is nearer, so the solution is within one token of the exact one.
   */
  public Setting nearestFlopsRatio(double target) {
    Setting under = largest(setting -> setting.flopsRatio() <= target, 1);
    if (under == null) {
      return at(1);
    }
    if (under.keepTokens() >= maxKeepTokens()) {
      return under;
    }
    Setting over = at(under.keepTokens() + 1);
    return over.flopsRatio() - target < target - under.flopsRatio() ? over : under;
  }
}
