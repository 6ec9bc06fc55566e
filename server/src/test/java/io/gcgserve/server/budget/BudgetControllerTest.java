package io.gcgserve.server.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.gcgserve.proto.v1.BudgetKind;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.builtin.BuiltInPruners;
import io.gcgserve.server.budget.BudgetController.Choice;
import io.gcgserve.server.budget.BudgetController.Load;
import io.gcgserve.server.budget.BudgetController.Source;
import io.gcgserve.server.config.ServerConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BudgetControllerTest {

  private static final ModelGeometry GEOMETRY = new ModelGeometry(8, 24, 24, 128, 512);
  private static final Load IDLE = new Load(0, 0);

  /** Unpruned 100 ms; ALTP 10 + 100·keep ms; FastV 5 + 60·keep ms. */
  private static CostModel costs() {
    CostModel costs = new CostModel();
    costs.calibrate("none", new double[] {1.0}, new double[] {100});
    costs.calibrate("altp", new double[] {0.1, 0.5}, new double[] {20, 60});
    costs.calibrate("fastv", new double[] {0.1, 0.5}, new double[] {11, 35});
    return costs;
  }

  private static BudgetController controller(int sloMillis) {
    ServerConfig config = new ServerConfig().setTtftSloMillis(sloMillis).setBudgetBackoff(true);
    return new BudgetController(
        config, BuiltInPruners.registry(), costs(), new KeepCeiling(config), NO_LOAD_CEILING);
  }

  /** Most tests choose many times a second; the load ceiling has tests of its own. */
  private static final LoadCeiling NO_LOAD_CEILING = new LoadCeiling(0, System::nanoTime);

  private static Choice choose(
      BudgetController controller,
      String pruner,
      Map<String, String> parameters,
      Source source,
      BudgetLimit limit,
      Load load) {
    boolean named = !pruner.equals("none") || !parameters.isEmpty();
    return controller.choose(pruner, parameters, named, source, limit, GEOMETRY, () -> 28, load);
  }

  private static BudgetLimit ttft(double millis) {
    return new BudgetLimit(BudgetKind.BUDGET_KIND_TTFT, millis, false);
  }

  @Test
  void aTimeBudgetPicksTheLargestKeepPredictedToFit() {
    Choice choice = choose(controller(0), "altp", Map.of(), Source.REQUEST, ttft(60), IDLE);
    // 10 + 100·keep <= 60 at each bucket's upper edge: keep <= 0.5
    assertThat(choice.prunerName()).isEqualTo("altp");
    assertThat(choice.keepRatio()).isLessThanOrEqualTo(0.5).isGreaterThan(0.45);
    assertThat(choice.decision().bestEffort()).isFalse();
    assertThat(choice.decision().predictedTtftMs()).isLessThanOrEqualTo(60);
  }

  @Test
  void workAheadAndTheResidualTightenTheChoice() {
    BudgetController controller = controller(0);
    controller.costs().observeResidual(3, 10);
    Choice loaded = choose(controller, "altp", Map.of(), Source.REQUEST, ttft(60), new Load(3, 20));
    // 20 ahead + 10 residual + 10 + 100·keep <= 60: keep <= 0.2
    assertThat(loaded.keepRatio()).isLessThanOrEqualTo(0.2).isGreaterThan(0.15);
    assertThat(loaded.decision().predictedQueueMs()).isEqualTo(30);
  }

  @Test
  void withoutAPrunerTheBudgetRunsUnprunedWhenThatFitsElseTheBudgetPruner() {
    BudgetController controller = controller(0);
    Choice roomy = choose(controller, "none", Map.of(), Source.REQUEST, ttft(150), IDLE);
    assertThat(roomy.prunerName()).isEqualTo("none");
    assertThat(roomy.keepRatio()).isEqualTo(1.0);
    assertThat(roomy.decision().reason()).contains("unpruned");
    Choice tight = choose(controller, "none", Map.of(), Source.REQUEST, ttft(40), IDLE);
    assertThat(tight.prunerName()).isEqualTo("altp");
    assertThat(tight.keepRatio()).isLessThanOrEqualTo(0.3);
  }

  @Test
  void nothingFittingRunsTheCheapestOrRefusesUnderReject() {
    BudgetController controller = controller(0);
    Choice cheapest = choose(controller, "fastv", Map.of(), Source.REQUEST, ttft(2), IDLE);
    assertThat(cheapest.decision().bestEffort()).isTrue();
    // the floor, --budget-min-keep-ratio 0.1 of 576 tokens, not a single token
    assertThat(cheapest.parameters()).containsEntry("keep_tokens", "58");
    BudgetController halfFloor =
        new BudgetController(
            new ServerConfig().setBudgetMinKeepRatio(0.5),
            BuiltInPruners.registry(),
            costs(),
            new KeepCeiling(new ServerConfig()),
            NO_LOAD_CEILING);
    assertThat(choose(halfFloor, "fastv", Map.of(), Source.REQUEST, ttft(2), IDLE).parameters())
        .containsEntry("keep_tokens", "288");
    BudgetLimit reject = new BudgetLimit(BudgetKind.BUDGET_KIND_TTFT, 2, true);
    assertThatThrownBy(
            () -> choose(controller, "fastv", Map.of(), Source.REQUEST, reject, new Load(1, 250)))
        .isInstanceOfSatisfying(
            BudgetRejectedException.class,
            e -> {
              assertThat(e.resourceExhausted()).isTrue();
              assertThat(e.rejectedKind()).isEqualTo(BudgetKind.BUDGET_KIND_TTFT);
            })
        .hasMessageContaining("budget.max_ttft_ms = 2 ms cannot be met now")
        .hasMessageContaining("250 ms of prefill work ahead");
  }

  @Test
  void aBudgetAndAnExplicitKeepParameterContradictEachOther() {
    BudgetLimit flops = new BudgetLimit(BudgetKind.BUDGET_KIND_FLOPS_RATIO, 0.5, false);
    assertThatThrownBy(
            () ->
                choose(
                    controller(0), "pdrop", Map.of("lambda", "0.5"), Source.REQUEST, flops, IDLE))
        .isInstanceOf(BudgetRejectedException.class)
        .hasMessage(
            "budget.max_flops_ratio and pruner parameter 'lambda' both set how many visual"
                + " tokens 'pdrop' keeps; drop one");
  }

  @Test
  void anArmPicksThePrunerAndTheBudgetItsStrength() {
    BudgetLimit tokens = new BudgetLimit(BudgetKind.BUDGET_KIND_VISUAL_TOKENS, 100, false);
    Choice arm =
        choose(controller(0), "fastv", Map.of("keep_ratio", "0.25"), Source.ARM, tokens, IDLE);
    assertThat(arm.prunerName()).isEqualTo("fastv");
    assertThat(arm.parameters())
        .containsEntry("keep_tokens", "100")
        .doesNotContainKey("keep_ratio");
    Choice unpruned =
        controller(0).choose("none", Map.of(), true, Source.ARM, tokens, GEOMETRY, () -> 28, IDLE);
    assertThat(unpruned.prunerName()).isEqualTo("none");
    assertThat(unpruned.decision().bestEffort()).isTrue();
    assertThat(unpruned.decision().reason()).contains("has no keep setting");
  }

  @Test
  void theServerSloAppliesOnlyWhereTheClientLeftTheStrengthOpen() {
    BudgetController controller = controller(60);
    Choice open =
        controller.choose("none", Map.of(), false, Source.REQUEST, null, GEOMETRY, () -> 28, IDLE);
    assertThat(open.decision().limit().kind()).isEqualTo(BudgetKind.BUDGET_KIND_SERVER_TTFT_SLO);
    assertThat(open.prunerName()).isEqualTo("altp");
    Choice defaults =
        controller.choose("fastv", Map.of(), true, Source.REQUEST, null, GEOMETRY, () -> 28, IDLE);
    assertThat(defaults.decision()).isNotNull();
    Choice explicit =
        controller.choose(
            "fastv",
            Map.of("keep_ratio", "0.9"),
            true,
            Source.REQUEST,
            null,
            GEOMETRY,
            () -> 28,
            IDLE);
    assertThat(explicit.decision()).isNull();
    assertThat(explicit.keepRatio()).isCloseTo(0.9, org.assertj.core.data.Offset.offset(0.01));
    Choice none =
        controller.choose("none", Map.of(), true, Source.REQUEST, null, GEOMETRY, () -> 28, IDLE);
    assertThat(none.decision()).isNull();
    assertThat(
            controller(0)
                .choose("none", Map.of(), false, Source.REQUEST, null, GEOMETRY, () -> 28, IDLE)
                .decision())
        .isNull();
  }

  @Test
  void aFlopsBudgetBelowTheCheapestSettingIsImpossible() {
    BudgetLimit flops = new BudgetLimit(BudgetKind.BUDGET_KIND_FLOPS_RATIO, 0.05, true);
    assertThatThrownBy(() -> choose(controller(0), "fastv", Map.of(), Source.REQUEST, flops, IDLE))
        .isInstanceOfSatisfying(
            BudgetRejectedException.class, e -> assertThat(e.resourceExhausted()).isFalse())
        .hasMessageContaining("is below what fastv spends keeping 1 visual token");
  }

  @Test
  void aLoweredCeilingCapsTimeBudgetsButNotFlopsOrTokenBudgets() {
    BudgetController controller = controller(0);
    Choice free = choose(controller, "none", Map.of(), Source.REQUEST, ttft(150), IDLE);
    assertThat(free.prunerName()).isEqualTo("none");
    // a miss: the ceiling drops to 0.7, so even a roomy budget prunes
    controller.ceiling().observe(System.nanoTime(), 200, 150);
    assertThat(controller.ceiling().ceiling()).isCloseTo(0.7, within(1e-9));
    Choice capped = choose(controller, "none", Map.of(), Source.REQUEST, ttft(150), IDLE);
    assertThat(capped.prunerName()).isEqualTo("altp");
    assertThat(capped.keepRatio()).isLessThanOrEqualTo(0.7).isGreaterThan(0.65);
    assertThat(capped.decision().reason()).contains("backoff ceiling (keep ≤ 0.70)");
    BudgetLimit tokens = new BudgetLimit(BudgetKind.BUDGET_KIND_VISUAL_TOKENS, 500, false);
    Choice exact = choose(controller, "altp", Map.of(), Source.REQUEST, tokens, IDLE);
    assertThat(exact.keepRatio()).isGreaterThan(0.8);
  }

  @Test
  void theArrivalRateCapsTimeBudgetsThroughTheLoadCeiling() {
    long[] now = {0};
    LoadCeiling load = new LoadCeiling(0.62, () -> now[0]);
    ServerConfig config = new ServerConfig();
    BudgetController controller =
        new BudgetController(
            config, BuiltInPruners.registry(), costs(), new KeepCeiling(config), load);
    // quiet: a roomy budget runs unpruned
    assertThat(choose(controller, "none", Map.of(), Source.REQUEST, ttft(150), IDLE).prunerName())
        .isEqualTo("none");
    // 40 arrivals within the window (10/s with the next): 10/s · (10 + 100·keep) ms <= 0.62 s/s
    // gives keep <= 0.5, although the budget alone would allow unpruned
    for (int i = 0; i < 38; i++) {
      now[0] += 50_000_000L;
      load.arrived();
    }
    now[0] += 50_000_000L;
    Choice loaded = choose(controller, "none", Map.of(), Source.REQUEST, ttft(150), IDLE);
    assertThat(loaded.prunerName()).isEqualTo("altp");
    assertThat(loaded.keepRatio()).isLessThanOrEqualTo(0.5).isGreaterThan(0.45);
    assertThat(loaded.decision().bestEffort()).isFalse();
    assertThat(loaded.decision().reason())
        .contains("and the load ceiling (keep ≤ 0.50 at 10.0 requests/s)");
    // FLOPs budgets are exact whatever the load
    BudgetLimit flops = new BudgetLimit(BudgetKind.BUDGET_KIND_FLOPS_RATIO, 0.9, false);
    assertThat(choose(controller, "altp", Map.of(), Source.REQUEST, flops, IDLE).keepRatio())
        .isGreaterThan(0.8);
    // the window forgets: 5 s later the budget alone decides again
    now[0] += 5_000_000_000L;
    assertThat(choose(controller, "none", Map.of(), Source.REQUEST, ttft(150), IDLE).prunerName())
        .isEqualTo("none");
  }

  @Test
  void theBudgetPrunerMustHaveAKeepSetting() {
    assertThatThrownBy(
            () ->
                new BudgetController(
                    new ServerConfig().setBudgetPruner("none"),
                    BuiltInPruners.registry(),
                    new CostModel(),
                    new KeepCeiling(new ServerConfig()),
                    NO_LOAD_CEILING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--budget-pruner 'none' must name a registered pruner");
  }
}
