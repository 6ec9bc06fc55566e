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
 * The equal-FLOPs solver ({@link KeepSearch#nearestFlopsRatio}) is within one token of its target
 * for every built-in pruner, on many model geometries and prompt lengths.
 */
class KeepSearchSolverTest {

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
