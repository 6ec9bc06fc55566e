package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class RateSearchTest {

  /** Runs the search against a miss share that depends on the rate alone. */
  private static List<Double> run(RateSearch search, DoubleUnaryOperator missShare) {
    for (Double rate = search.next(); rate != null; rate = search.next()) {
      search.observe(missShare.applyAsDouble(rate));
    }
    return search.tried();
  }

  @Test
  void risesUntilHalfMissThenBisectsTowardsTheCrossing() {
    // unpruned misses for half from 6.0/s on
    List<Double> tried = run(RateSearch.rising(3.14, 1.3, 6, 2), r -> r >= 6.0 ? 0.8 : 0.3);
    assertThat(tried).hasSize(6);
    assertThat(tried.subList(0, 4))
        .containsExactly(3.14, 3.14 * 1.3, 3.14 * 1.3 * 1.3, 3.14 * 1.3 * 1.3 * 1.3);
    double below = 3.14 * 1.3 * 1.3;
    double above = below * 1.3;
    double first = Math.sqrt(below * above);
    assertThat(tried.get(4)).isCloseTo(first, within(1e-9));
    // 6.05 >= 6.0 misses, so the next step bisects below it
    assertThat(first).isGreaterThan(6.0);
    assertThat(tried.get(5)).isCloseTo(Math.sqrt(below * first), within(1e-9));
  }

  @Test
  void theComparedPhaseIsTheLowestRateThatMissedForHalf() {
    List<BudgetBenchReport.Phase> phases =
        List.of(
            phase(3.0, 0.1), phase(5.0, 0.3), phase(6.5, 0.8), phase(5.7, 0.6), phase(5.3, 0.4));
    assertThat(BudgetBenchReport.comparisonIndex(phases)).isEqualTo(3);
    assertThat(BudgetBenchReport.comparisonIndex(List.of(phase(3.0, 0.1), phase(4.0, 0.2))))
        .isEqualTo(1);
    assertThat(BudgetBenchReport.comparisonIndex(List.of())).isEqualTo(-1);
  }

  @Test
  void stopsAtTheStepLimitWhenNothingMissesForHalf() {
    assertThat(run(RateSearch.rising(1, 2, 3, 2), r -> 0.0)).containsExactly(1.0, 2.0, 4.0);
  }

  @Test
  void doesNotBisectWhenTheFirstRateAlreadyMisses() {
    assertThat(run(RateSearch.rising(8, 1.3, 5, 2), r -> 1.0)).containsExactly(8.0);
  }

  @Test
  void fixedRatesRunAsGivenWithoutRefinement() {
    assertThat(run(RateSearch.fixed(List.of(5.0, 3.0)), r -> 1.0)).containsExactly(5.0, 3.0);
  }

  @Test
  void aRateMustBeObservedBeforeTheNext() {
    RateSearch search = RateSearch.rising(1, 2, 3, 0);
    search.next();
    assertThatThrownBy(search::next).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> RateSearch.rising(0, 2, 3, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static BudgetBenchReport.Phase phase(double rate, double missShare) {
    return new BudgetBenchReport.Phase(rate, rate, 100, 100, 100, 200, missShare, 1000, 50);
  }
}
