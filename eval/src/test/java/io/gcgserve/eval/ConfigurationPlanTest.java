package io.gcgserve.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.builtin.BuiltInPruners;
import io.gcgserve.pruners.flops.KeepSearch;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigurationPlanTest {

  private static final ModelGeometry GEOMETRY = new ModelGeometry(8, 24, 24, 256, 704);
  private static final PrunerRegistry REGISTRY = BuiltInPruners.registry();

  private static ConfigurationPlan plan(boolean ablation, boolean sensitivity) {
    return ConfigurationPlan.build(
        List.of("none", "fastv", "pdrop", "altp"),
        List.of(0.5, 0.1, 0.25),
        ablation,
        sensitivity,
        REGISTRY::require,
        GEOMETRY);
  }

  @Test
  void theDefaultTableWithAblationIsThirteenDistinctConfigurations() {
    ConfigurationPlan plan = plan(true, false);
    assertThat(plan.main()).hasSize(10);
    assertThat(plan.ablation()).hasSize(6);
    // ALTP rows of Table 3 are Table 1's ALTP rows: only the three DDC-only runs are new
    assertThat(plan.distinct()).hasSize(13);
    // smallest ratio first, as the paper orders its sections (90% reduction first)
    assertThat(plan.main().get(1).id()).isEqualTo("fastv{keep_ratio=0.1}");
  }

  @Test
  void everyBuiltInReceivesTheKeepRatio() {
    assertThat(plan(false, false).main())
        .extracting(Configuration::id)
        .contains("pdrop{keep_ratio=0.1}", "pdrop{keep_ratio=0.25}", "pdrop{keep_ratio=0.5}");
  }

  @Test
  void sensitivityRowsAtDefaultsReuseTheMainAltpRun() {
    ConfigurationPlan plan = plan(false, true);
    assertThat(plan.sensitivity()).hasSize(13);
    Configuration tenSuperpixels =
        plan.sensitivity().stream().filter(c -> c.label().equals("N=10")).findFirst().orElseThrow();
    assertThat(tenSuperpixels.id()).isEqualTo("altp{keep_ratio=0.1}");
    assertThat(plan.sensitivity().get(0).parameters())
        .isEqualTo(Map.of("keep_ratio", "0.1", "n_superpixels", "3"));
    // 10 + 13 sensitivity rows of which N=10, C=5 and tau=1 are the default ALTP run
    assertThat(plan.distinct()).hasSize(20);
    assertThat(plan.sensitivity())
        .extracting(Configuration::id)
        .contains("altp{keep_ratio=0.1,temperature=0.25}", "altp{keep_ratio=0.1,temperature=4}");
  }

  private static ConfigurationPlan.Options equalFlops(List<Double> flopsRatios, boolean secondary) {
    return new ConfigurationPlan.Options(
        List.of("none", "fastv", "pdrop", "altp"),
        List.of(0.5, 0.1, 0.25),
        Protocol.EQUAL_FLOPS,
        secondary,
        "fastv",
        flopsRatios,
        false,
        true,
        false,
        30);
  }

  @Test
  void anEntryCanFixParametersForEveryRowOfItsPruner() {
    for (Protocol protocol : List.of(Protocol.EQUAL_FLOPS, Protocol.EQUAL_TOKENS)) {
      ConfigurationPlan plan =
          ConfigurationPlan.build(
              new ConfigurationPlan.Options(
                  List.of("none", "fastv", "pdrop", "pdrop:positions=keep:ranking=own"),
                  List.of(0.1),
                  protocol,
                  false,
                  "fastv",
                  List.of(),
                  false,
                  false,
                  false,
                  30),
              REGISTRY::require,
              GEOMETRY);
      Configuration reference = plan.main().get(2);
      Configuration earlier = plan.main().get(3);
      assertThat(earlier.label()).isEqualTo("PDrop (positions=keep, ranking=own)");
      assertThat(earlier.pruner()).isEqualTo("pdrop");
      // the same keep setting as the plain entry (position and ranking do not change FLOPs)
      Map<String, String> withoutFixed = new java.util.TreeMap<>(earlier.parameters());
      withoutFixed.remove("positions");
      withoutFixed.remove("ranking");
      assertThat(withoutFixed).isEqualTo(reference.parameters());
      assertThat(earlier.parameters()).containsEntry("positions", "keep");
      assertThat(earlier.flopsTarget()).isEqualTo(reference.flopsTarget());
    }
    // a parameter equal to the default is left out of the id, as everywhere
    assertThat(
            ConfigurationPlan.build(
                    List.of("pdrop:positions=renumber"),
                    List.of(0.1),
                    false,
                    false,
                    REGISTRY::require,
                    GEOMETRY)
                .main()
                .get(0)
                .id())
        .isEqualTo("pdrop{keep_ratio=0.1}");
    assertThatThrownBy(() -> ConfigurationPlan.fixedParameters("pdrop:positions"))
        .hasMessage(
            "--pruners entry 'pdrop:positions': 'positions' is not key=value (expected"
                + " name[:key=value]...)");
    assertThatThrownBy(() -> ConfigurationPlan.fixedParameters("pdrop:keep_ratio=0.2"))
        .hasMessageContaining("sets keep_ratio, which --keep-ratios and the protocol decide");
    assertThat(ConfigurationPlan.prunerName(" altp:n_superpixels=5")).isEqualTo("altp");
  }

  @Test
  void equalFlopsSolvesPdropAndSharesTheReferenceAndAltpRuns() {
    ConfigurationPlan plan =
        ConfigurationPlan.build(equalFlops(List.of(), true), REGISTRY::require, GEOMETRY);
    assertThat(plan.protocol()).isEqualTo(Protocol.EQUAL_FLOPS);
    Configuration fastv = plan.main().get(1);
    Configuration pdrop = plan.main().get(2);
    Configuration altp = plan.main().get(3);
    assertThat(fastv.id()).isEqualTo("fastv{keep_ratio=0.1}");
    assertThat(altp.id()).isEqualTo("altp{keep_ratio=0.1}");
    KeepSearch fastvSearch = new KeepSearch(REGISTRY.require("fastv"), Map.of(), GEOMETRY, 30);
    double target = fastvSearch.at(58).flopsRatio();
    assertThat(fastv.flopsTarget()).isEqualTo(target);
    assertThat(pdrop.flopsTarget()).isEqualTo(target);
    int pdropTokens = Integer.parseInt(pdrop.parameters().get("keep_tokens"));
    assertThat(pdropTokens).isLessThan(58);
    KeepSearch pdropSearch = new KeepSearch(REGISTRY.require("pdrop"), Map.of(), GEOMETRY, 30);
    double miss = Math.abs(pdropSearch.at(pdropTokens).flopsRatio() - target);
    assertThat(miss)
        .isLessThanOrEqualTo(Math.abs(pdropSearch.at(pdropTokens + 1).flopsRatio() - target))
        .isLessThanOrEqualTo(Math.abs(pdropSearch.at(pdropTokens - 1).flopsRatio() - target));
    // the secondary table is the equal-tokens one; its FastV and ALTP rows are the same runs
    assertThat(plan.secondary()).extracting(Configuration::id).contains("pdrop{keep_ratio=0.1}");
    assertThat(plan.secondary()).allMatch(c -> c.flopsTarget() == null);
    // 10 equal-FLOPs rows + 3 PDrop equal-token rows + 5 new additions rows (the last is ALTP)
    assertThat(plan.distinct()).hasSize(18);
  }

  @Test
  void explicitFlopsTargetsSolveEveryPrunerIncludingTheReference() {
    ConfigurationPlan plan =
        ConfigurationPlan.build(equalFlops(List.of(0.4), false), REGISTRY::require, GEOMETRY);
    assertThat(plan.main()).hasSize(4);
    for (Configuration row : plan.main().subList(1, 4)) {
      assertThat(row.flopsTarget()).isEqualTo(0.4);
      assertThat(row.parameters()).containsKey("keep_tokens");
    }
  }

  @Test
  void theAdditionsStartAtThePaperAndEndAtTheServedAltp() {
    ConfigurationPlan plan =
        ConfigurationPlan.build(equalFlops(List.of(), false), REGISTRY::require, GEOMETRY);
    assertThat(plan.additions()).hasSize(6);
    assertThat(plan.additions().get(0).parameters())
        .containsEntry("density_normalisation", "none")
        .containsEntry("area_form", "linear")
        .containsEntry("caps", "none")
        .containsEntry("min_per_region", "0")
        .containsEntry("segment_pixels_per_token", "4");
    assertThat(plan.additions().get(1).parameters())
        .doesNotContainKey("density_normalisation")
        .containsEntry("area_form", "linear");
    assertThat(plan.additions().get(5).id()).isEqualTo("altp{keep_ratio=0.1}");
  }

  @Test
  void unknownPrunerNamesListTheKnownOnes() {
    assertThatThrownBy(
            () ->
                ConfigurationPlan.build(
                    List.of("fastvv"), List.of(0.1), false, false, REGISTRY::require, GEOMETRY))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessageContaining("known pruners:")
        .hasMessageContaining("fastv");
  }

  @Test
  void progressBarShowsRateAndEta() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long[] now = {0};
    ProgressBar bar =
        new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), 4, () -> now[0]);
    now[0] = 2_000_000_000L;
    bar.step("first");
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("1/4")
        .contains("0.50/s")
        .contains("ETA 0:00:06")
        .contains("first");
  }
}
