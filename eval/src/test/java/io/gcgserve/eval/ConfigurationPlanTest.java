package io.gcgserve.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.builtin.BuiltInPruners;
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
    assertThat(plan.sensitivity()).hasSize(8);
    Configuration tenSuperpixels =
        plan.sensitivity().stream().filter(c -> c.label().equals("N=10")).findFirst().orElseThrow();
    assertThat(tenSuperpixels.id()).isEqualTo("altp{keep_ratio=0.1}");
    assertThat(plan.sensitivity().get(0).parameters())
        .isEqualTo(Map.of("keep_ratio", "0.1", "n_superpixels", "3"));
    // 10 + 8 sensitivity rows of which N=10 and C=5 are the default ALTP run
    assertThat(plan.distinct()).hasSize(16);
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
