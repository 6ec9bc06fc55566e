package io.gcgserve.server.budget;

import static io.gcgserve.server.budget.BudgetLimit.fmt;

import io.gcgserve.proto.v1.BudgetKind;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.flops.Flops;
import io.gcgserve.pruners.flops.KeepSearch;
import io.gcgserve.pruners.flops.PlannedPruner;
import io.gcgserve.server.config.ServerConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Chooses every request's pruner setting: the one it asked for, or, under a budget (its own, or the
 * server's {@code --ttft-slo-ms}), the largest keep setting that fits. See server/README.md,
 * "Budgets", for the policy.
 */
@Singleton
public final class BudgetController {

  /** Where a request's pruner spec came from. */
  public enum Source {
    /** The request named a pruner, or none. */
    REQUEST,
    /** An experiment's arm chose it: a budget overrides the arm's keep parameters. */
    ARM
  }

  /** What the engine's load was when the request arrived. */
  public record Load(int occupancy, double aheadMillis) {}

  /**
   * What a budget decided.
   *
   * @param limit the budget
   * @param keepRatio visual tokens kept at the last layer over the total
   * @param predictedTtftMs predicted time to first token of the chosen setting
   * @param predictedQueueMs the part of it spent on work ahead and the residual
   * @param bestEffort nothing fitted; the cheapest setting runs
   * @param reason one sentence for the client
   */
  public record Decision(
      BudgetLimit limit,
      double keepRatio,
      double predictedTtftMs,
      double predictedQueueMs,
      boolean bestEffort,
      String reason) {}

  /**
   * The pruner a request runs.
   *
   * @param prunerName registry name
   * @param parameters the parameters it was created with
   * @param pruner the request's pruner
   * @param keepRatio the keep ratio it plans (1 when unknown)
   * @param predictedServiceMs its predicted prefill service time
   * @param decision what a budget decided; null without one
   */
  public record Choice(
      String prunerName,
      Map<String, String> parameters,
      TokenPruner pruner,
      double keepRatio,
      double predictedServiceMs,
      @Nullable Decision decision) {}

  private final PrunerRegistry registry;
  private final CostModel costs;
  private final KeepCeiling ceiling;
  private final LoadCeiling loadCeiling;
  private final String budgetPruner;
  private final int sloMillis;
  private final double minKeepRatio;

  /**
   * Checks {@code --budget-pruner}.
   *
   * @throws IllegalArgumentException when it names no registered pruner with a keep setting
   */
  @Inject
  public BudgetController(
      ServerConfig config,
      PrunerRegistry registry,
      CostModel costs,
      KeepCeiling ceiling,
      LoadCeiling loadCeiling) {
    this.registry = Objects.requireNonNull(registry, "registry is null");
    this.costs = Objects.requireNonNull(costs, "costs is null");
    this.ceiling = Objects.requireNonNull(ceiling, "ceiling is null");
    this.loadCeiling = Objects.requireNonNull(loadCeiling, "loadCeiling is null");
    this.budgetPruner = config.budgetPruner();
    this.sloMillis = config.ttftSloMillis();
    this.minKeepRatio = config.budgetMinKeepRatio();
    PrunerFactory factory = registry.find(budgetPruner);
    if (factory == null || !KeepSearch.hasKeepSetting(factory)) {
      throw new IllegalArgumentException(
          "--budget-pruner '"
              + budgetPruner
              + "' must name a registered pruner that takes keep_tokens; registered: "
              + String.join(", ", registry.names()));
    }
  }

  /** The cost model the controller predicts with. */
  public CostModel costs() {
    return costs;
  }

  /** The keep ceiling time budgets share. */
  public KeepCeiling ceiling() {
    return ceiling;
  }

  /**
   * The setting for one request; counts its arrival towards the {@link LoadCeiling}.
   *
   * @param prunerName canonical name from the spec ({@code none} when unset)
   * @param parameters the spec's parameters
   * @param named whether the spec names a pruner (a request or arm that says nothing gets {@code
   *     none}, or the budget pruner under a budget)
   * @param source who chose the spec
   * @param requested the request's budget, or null
   * @param geometry the model's
   * @param textTokens the prompt's text tokens, asked for only under a budget
   * @param load the engine's load now
   * @throws BudgetRejectedException for contradictions and refusals
   */
  public Choice choose(
      String prunerName,
      Map<String, String> parameters,
      boolean named,
      Source source,
      @Nullable BudgetLimit requested,
      ModelGeometry geometry,
      IntSupplier textTokens,
      Load load) {
    loadCeiling.arrived();
    PrunerFactory factory = registry.require(prunerName);
    String keepParameter = KeepSearch.keepParameter(parameters);
    BudgetLimit limit = requested;
    if (limit == null) {
      boolean sloApplies =
          sloMillis > 0 && keepParameter == null && (!named || KeepSearch.hasKeepSetting(factory));
      if (!sloApplies) {
        return plain(prunerName, factory, parameters, geometry);
      }
      limit = new BudgetLimit(BudgetKind.BUDGET_KIND_SERVER_TTFT_SLO, sloMillis, false);
    }
    if (named && keepParameter != null && source == Source.REQUEST) {
      throw BudgetRejectedException.invalid(
          limit.field()
              + " and pruner parameter '"
              + keepParameter
              + "' both set how many visual tokens '"
              + prunerName
              + "' keeps; drop one");
    }
    if (named && !KeepSearch.hasKeepSetting(factory)) {
      if (source == Source.REQUEST) {
        throw BudgetRejectedException.invalid(
            "pruner '"
                + prunerName
                + "' has no keep setting (keep_tokens), so "
                + limit.field()
                + " cannot set its strength; name a pruner that has one, or leave pruner unset"
                + " to use the server's budget pruner '"
                + budgetPruner
                + "'");
      }
      Choice plain = plain(prunerName, factory, parameters, geometry);
      String reason =
          "the arm's pruner '" + prunerName + "' has no keep setting; it runs as configured";
      return withDecision(plain, decide(limit, plain.keepRatio(), load, plain, true, reason));
    }
    String searched = named ? prunerName : budgetPruner;
    KeepSearch search =
        new KeepSearch(
            registry.require(searched),
            named ? parameters : Map.of(),
            geometry,
            textTokens.getAsInt());
    if (!named) {
      Choice unpruned = plain(NoPruner.NAME, registry.require(NoPruner.NAME), Map.of(), geometry);
      if (fitsUnpruned(limit, geometry, load)) {
        return withDecision(
            unpruned,
            decide(limit, 1.0, load, unpruned, false, "every visual token fits: runs unpruned"));
      }
    }
    return searched(searched, search, limit, load);
  }

  private Choice searched(String pruner, KeepSearch search, BudgetLimit limit, Load load) {
    // the ceilings bound time budgets only: FLOPs and token budgets are exact
    double backoff = limit.onTime() ? ceiling.ceiling() : 1.0;
    double byLoad = limit.onTime() ? Math.max(minKeepRatio, loadCeiling(pruner)) : 1.0;
    double most = Math.min(backoff, byLoad);
    Predicate<KeepSearch.Setting> fits =
        switch (limit.kind()) {
          case BUDGET_KIND_FLOPS_RATIO -> s -> s.flopsRatio() <= limit.value() + 1e-12;
          case BUDGET_KIND_VISUAL_TOKENS -> s -> s.visualTokensKept() <= limit.value();
          default ->
              s ->
                  s.keepRatio() <= most + 1e-12
                      && predictTtft(pruner, s.keepRatio(), load) <= limit.value();
        };
    // a time budget prunes no harder than the floor; FLOPs and token budgets are exact
    int least =
        limit.onTime() ? Math.max(1, (int) Math.round(minKeepRatio * search.maxKeepTokens())) : 1;
    KeepSearch.Setting setting = search.largest(fits, least);
    boolean bestEffort = setting == null;
    if (setting == null) {
      setting = search.at(least);
      if (limit.rejectOnMiss()) {
        throw refusal(pruner, setting, limit, load);
      }
    }
    Choice choice =
        new Choice(
            pruner,
            setting.parameters(),
            setting.pruner(),
            setting.keepRatio(),
            costs.predictService(pruner, NoPruner.NAME, setting.keepRatio()),
            null);
    String what =
        pruner
            + " keeping "
            + setting.visualTokensKept()
            + " of "
            + search.maxKeepTokens()
            + " visual tokens (Eq. 5 ratio "
            + String.format(java.util.Locale.ROOT, "%.4f", setting.flopsRatio())
            + ")";
    String reason =
        bestEffort
            ? "nothing fits "
                + limit.field()
                + " = "
                + limit.text()
                + "; runs the cheapest: "
                + what
            : "the largest setting within "
                + limit.field()
                + " = "
                + limit.text()
                + (limit.onTime() && most < 1 ? ceilingText(backoff, byLoad) : "")
                + ": "
                + what;
    return withDecision(
        choice, decide(limit, setting.keepRatio(), load, choice, bestEffort, reason));
  }

  private RuntimeException refusal(
      String pruner, KeepSearch.Setting cheapest, BudgetLimit limit, Load load) {
    if (limit.onTime()) {
      double predicted = predictTtft(pruner, cheapest.keepRatio(), load);
      return BudgetRejectedException.unmeetable(
          limit.kind(),
          limit.field()
              + " = "
              + limit.text()
              + " cannot be met now: even "
              + pruner
              + " keeping "
              + cheapest.visualTokensKept()
              + " visual tokens (--budget-min-keep-ratio) is predicted to start after "
              + fmt(Math.rint(predicted))
              + " ms ("
              + fmt(Math.rint(load.aheadMillis()))
              + " ms of prefill work ahead); retry later, raise the budget, or use on_miss"
              + " BEST_EFFORT");
    }
    return BudgetRejectedException.impossible(
        limit.kind(),
        limit.field()
            + " = "
            + limit.text()
            + " is below what "
            + pruner
            + " spends keeping 1 visual token with this prompt ("
            + String.format(java.util.Locale.ROOT, "%.4f", cheapest.flopsRatio())
            + "; its unpruned layers and the text tokens cost FLOPs too); raise it or use on_miss"
            + " BEST_EFFORT");
  }

  private boolean fitsUnpruned(BudgetLimit limit, ModelGeometry geometry, Load load) {
    return switch (limit.kind()) {
      case BUDGET_KIND_FLOPS_RATIO -> limit.value() >= 1.0;
      case BUDGET_KIND_VISUAL_TOKENS -> limit.value() >= geometry.visualTokens();
      default ->
          ceiling.ceiling() >= 1.0
              && loadCeiling(NoPruner.NAME) >= 1.0
              && predictTtft(NoPruner.NAME, 1.0, load) <= limit.value();
    };
  }

  /** The load ceiling's keep ratio for {@code pruner}'s predicted service. */
  private double loadCeiling(String pruner) {
    return loadCeiling.ceiling(keep -> costs.predictService(pruner, NoPruner.NAME, keep));
  }

  /** What bound a time budget's keep: the lower of the two ceilings. */
  private String ceilingText(double backoff, double byLoad) {
    return byLoad <= backoff
        ? String.format(
            java.util.Locale.ROOT,
            " and the load ceiling (keep ≤ %.2f at %.1f requests/s)",
            byLoad,
            loadCeiling.arrivalRate())
        : String.format(java.util.Locale.ROOT, " and the backoff ceiling (keep ≤ %.2f)", backoff);
  }

  /** Predicted TTFT of {@code pruner} at {@code keepRatio} under {@code load}, ms. */
  double predictTtft(String pruner, double keepRatio, Load load) {
    return queueMillis(load) + costs.predictService(pruner, NoPruner.NAME, keepRatio);
  }

  private double queueMillis(Load load) {
    return Math.max(
        0,
        load.aheadMillis()
            + costs.predictResidual(load.occupancy())
            + costs.residualDeviation(load.occupancy()));
  }

  private Decision decide(
      BudgetLimit limit,
      double keepRatio,
      Load load,
      Choice choice,
      boolean bestEffort,
      String reason) {
    double queue = queueMillis(load);
    return new Decision(
        limit, keepRatio, queue + choice.predictedServiceMs(), queue, bestEffort, reason);
  }

  private static Choice withDecision(Choice choice, Decision decision) {
    return new Choice(
        choice.prunerName(),
        choice.parameters(),
        choice.pruner(),
        choice.keepRatio(),
        choice.predictedServiceMs(),
        decision);
  }

  /** The request's own setting, with the keep ratio its plan commits to. */
  private Choice plain(
      String prunerName,
      PrunerFactory factory,
      Map<String, String> parameters,
      ModelGeometry geometry) {
    TokenPruner pruner = factory.create(parameters, geometry);
    double keepRatio = 1.0;
    if (pruner instanceof PlannedPruner planned) {
      int[] perLayer =
          Flops.visualTokensPerLayer(planned.plan(), geometry.layers(), geometry.visualTokens());
      keepRatio = (double) perLayer[perLayer.length - 1] / geometry.visualTokens();
    }
    return new Choice(
        prunerName,
        parameters,
        pruner,
        keepRatio,
        costs.predictService(prunerName, NoPruner.NAME, keepRatio),
        null);
  }
}
