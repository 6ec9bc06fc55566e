package io.gcgserve.pruners.flops;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.builtin.BuiltInPruners;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;

/**
 * The FLOPs and token controllers never exceed the budget and are maximal, and the equal-FLOPs
 * solver hits its target within one token, for every built-in pruner with a keep setting, on many
 * model geometries and prompt lengths.
 */
class KeepSearchTest {

  private static final PrunerRegistry REGISTRY = BuiltInPruners.registry();

  @Provide
  Arbitrary<ModelGeometry> geometries() {
    return Combinators.combine(
            Arbitraries.integers().between(2, 16),
            Arbitraries.integers().between(2, 24),
            Arbitraries.integers().between(2, 24),
            Arbitraries.of(16, 64, 128, 512),
            Arbitraries.of(32, 256, 1024, 2048))
        .as(ModelGeometry::new);
  }

  @Provide
  Arbitrary<String> pruners() {
    return Arbitraries.of("fastv", "pdrop", "altp");
  }

  private static KeepSearch search(String pruner, ModelGeometry geometry, int textTokens) {
    PrunerFactory factory = REGISTRY.require(pruner);
    try {
      factory.create(Map.of(), geometry);
    } catch (InvalidPrunerParameterException e) {
      // e.g. pdrop's default stages need more layers than this model has
      Assume.that(false);
    }
    return new KeepSearch(factory, Map.of(), geometry, textTokens);
  }

  @Property(tries = 300)
  void theFlopsControllerNeverExceedsTheBudgetAndIsMaximal(
      @ForAll("pruners") String pruner,
      @ForAll("geometries") ModelGeometry geometry,
      @ForAll @IntRange(min = 0, max = 64) int textTokens,
      @ForAll @DoubleRange(min = 0.001, max = 1.0) @Scale(4) double limit) {
    KeepSearch search = search(pruner, geometry, textTokens);
    KeepSearch.Setting chosen = search.largest(s -> s.flopsRatio() <= limit, 1);
    if (chosen == null) {
      assertThat(search.at(1).flopsRatio()).isGreaterThan(limit);
      return;
    }
    assertThat(chosen.flopsRatio()).isLessThanOrEqualTo(limit);
    if (chosen.keepTokens() < search.maxKeepTokens()) {
      assertThat(search.at(chosen.keepTokens() + 1).flopsRatio()).isGreaterThan(limit);
    }
  }

  @Property(tries = 300)
  void theTokenControllerNeverExceedsTheBudgetAndIsMaximal(
      @ForAll("pruners") String pruner,
      @ForAll("geometries") ModelGeometry geometry,
      @ForAll @IntRange(min = 1, max = 600) int limit) {
    KeepSearch search = search(pruner, geometry, 8);
    KeepSearch.Setting chosen = search.largest(s -> s.visualTokensKept() <= limit, 1);
    assertThat(chosen).isNotNull();
    assertThat(chosen.visualTokensKept()).isLessThanOrEqualTo(limit);
    if (chosen.keepTokens() < search.maxKeepTokens()) {
      assertThat(search.at(chosen.keepTokens() + 1).visualTokensKept()).isGreaterThan(limit);
    } else {
      assertThat(chosen.visualTokensKept()).isEqualTo(geometry.visualTokens());
    }
  }

  @Property(tries = 200)
  void keptTokensAndFlopsGrowWithTheSetting(
      @ForAll("pruners") String pruner,
      @ForAll("geometries") ModelGeometry geometry,
      @ForAll @IntRange(min = 1, max = 575) int smaller) {
    KeepSearch search = search(pruner, geometry, 8);
    Assume.that(smaller < search.maxKeepTokens());
    KeepSearch.Setting low = search.at(smaller);
    KeepSearch.Setting high = search.at(smaller + 1);
    assertThat(high.visualTokensKept()).isGreaterThanOrEqualTo(low.visualTokensKept());
    assertThat(high.flopsRatio()).isGreaterThanOrEqualTo(low.flopsRatio());
  }

  @Property(tries = 50)
  void budgetsReplaceEveryKeepParameter(@ForAll("pruners") String pruner) {
    ModelGeometry geometry = new ModelGeometry(8, 24, 24, 128, 512);
    KeepSearch search =
        new KeepSearch(
            REGISTRY.require(pruner), Map.of("keep_ratio", "0.9", "lambda", "0.9"), geometry, 28);
    KeepSearch.Setting setting = search.at(100);
    assertThat(setting.parameters()).containsEntry("keep_tokens", "100");
    assertThat(setting.parameters()).doesNotContainKeys("keep_ratio", "lambda");
    assertThat(setting.visualTokensKept()).isEqualTo(100);
  }

  @Property(tries = 300)
  void theFlopsSolverHitsItsTargetWithinOneToken(
      @ForAll("pruners") String pruner,
      @ForAll("geometries") ModelGeometry geometry,
      @ForAll @IntRange(min = 0, max = 64) int textTokens,
      @ForAll @DoubleRange(min = 0.001, max = 1.0) @Scale(4) double target) {
    KeepSearch search = search(pruner, geometry, textTokens);
    KeepSearch.Setting solved = search.nearestFlopsRatio(target);
    int n = solved.keepTokens();
    double miss = Math.abs(solved.flopsRatio() - target);
    if (n > 1) {
      KeepSearch.Setting below = search.at(n - 1);
      assertThat(miss).isLessThanOrEqualTo(Math.abs(below.flopsRatio() - target));
      if (target >= search.at(1).flopsRatio()) {
        assertThat(below.flopsRatio()).isLessThanOrEqualTo(target);
      }
    }
    if (n < search.maxKeepTokens()) {
      KeepSearch.Setting above = search.at(n + 1);
      assertThat(miss).isLessThanOrEqualTo(Math.abs(above.flopsRatio() - target));
      if (target <= search.at(search.maxKeepTokens()).flopsRatio()) {
        assertThat(above.flopsRatio()).isGreaterThanOrEqualTo(target);
      }
    }
  }

  @Example
  void aPrunerSolvedForItsOwnRatioKeepsItsOwnTokensAndPdropKeepsFewerAtFastVsFlops() {
    ModelGeometry geometry = new ModelGeometry(8, 24, 24, 128, 512);
    KeepSearch fastv = search("fastv", geometry, 30);
    double target = fastv.at(58).flopsRatio();
    assertThat(fastv.nearestFlopsRatio(target).keepTokens()).isEqualTo(58);
    assertThat(search("altp", geometry, 30).nearestFlopsRatio(target).keepTokens()).isEqualTo(58);
    KeepSearch.Setting pdrop = search("pdrop", geometry, 30).nearestFlopsRatio(target);
    assertThat(pdrop.visualTokensKept()).isLessThan(58);
    assertThat(Math.abs(pdrop.flopsRatio() - target))
        .isLessThanOrEqualTo(
            Math.abs(
                search("pdrop", geometry, 30).at(pdrop.keepTokens() + 1).flopsRatio() - target));
  }
}
