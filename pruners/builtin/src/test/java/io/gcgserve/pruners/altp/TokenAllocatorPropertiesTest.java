package io.gcgserve.pruners.altp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class TokenAllocatorPropertiesTest {

  /** Weights, sizes and a budget, with the minimum per region. */
  record Case(double[] weights, int[] sizes, int budget, int minimum) {
    int[] lower() {
      int[] lower = new int[sizes.length];
      long sum = 0;
      for (int i = 0; i < sizes.length; i++) {
        lower[i] = Math.min(minimum, sizes[i]);
        sum += lower[i];
      }
      return sum <= budget ? lower : new int[sizes.length];
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    return Arbitraries.integers()
        .between(1, 12)
        .flatMap(
            regions ->
                Combinators.combine(
                        Arbitraries.doubles()
                            .between(0.001, 10)
                            .ofScale(4)
                            .array(double[].class)
                            .ofSize(regions),
                        Arbitraries.integers().between(1, 60).array(int[].class).ofSize(regions),
                        Arbitraries.doubles().between(0, 1),
                        Arbitraries.integers().between(0, 4))
                    .as(
                        (weights, sizes, fraction, minimum) -> {
                          int total = Arrays.stream(sizes).sum();
                          int budget = (int) Math.round(fraction * total);
                          return new Case(weights, sizes, budget, minimum);
                        }));
  }

  @Property
  void budgetsSumExactlyAndStayWithinBounds(@ForAll("cases") Case c) {
    int[] lower = c.lower();
    int[] budgets = TokenAllocator.allocate(c.weights(), lower, c.sizes(), c.budget());
    assertThat(Arrays.stream(budgets).sum()).isEqualTo(c.budget());
    for (int i = 0; i < budgets.length; i++) {
      assertThat(budgets[i]).isBetween(lower[i], c.sizes()[i]);
    }
  }

  @Property
  void unboundedBudgetsAreWithinOneOfTheProportionalShare(@ForAll("cases") Case c) {
    int[] huge = new int[c.sizes().length];
    Arrays.fill(huge, 1 << 20);
    double total = Arrays.stream(c.weights()).sum();
    int[] budgets = TokenAllocator.allocate(c.weights(), new int[huge.length], huge, c.budget());
    for (int i = 0; i < budgets.length; i++) {
      assertThat((double) budgets[i])
          .isCloseTo(
              c.weights()[i] / total * c.budget(), org.assertj.core.api.Assertions.within(1.0));
    }
  }

  @Property
  void sameInputGivesSameBudgets(@ForAll("cases") Case c) {
    assertThat(TokenAllocator.allocate(c.weights(), c.lower(), c.sizes(), c.budget()))
        .isEqualTo(TokenAllocator.allocate(c.weights(), c.lower(), c.sizes(), c.budget()));
  }

  @Test
  void redistributesACappedRegionsSurplusByWeight() {
    // targets 8, 1, 1 of 10; the first is capped at 4, its surplus 4 splits 1:1
    int[] budgets =
        TokenAllocator.allocate(
            new double[] {0.8, 0.1, 0.1}, new int[3], new int[] {4, 10, 10}, 10);
    assertThat(budgets).containsExactly(4, 3, 3);
  }

  @Test
  void largestRemainderGivesLeftoverToLargestFractions() {
    // exact shares 3.5, 2.6, 0.9 of 7: floors 3, 2, 0 and the last unit to the region at .9
    int[] budgets =
        TokenAllocator.allocate(new double[] {3.5, 2.6, 0.9}, new int[3], new int[] {9, 9, 9}, 7);
    assertThat(budgets).containsExactly(3, 3, 1);
  }
}
