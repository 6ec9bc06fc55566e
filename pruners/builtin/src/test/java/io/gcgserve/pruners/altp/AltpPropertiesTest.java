package io.gcgserve.pruners.altp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.testing.TestImages;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class AltpPropertiesTest {

  private static final int GRID = 6;
  private static final ModelGeometry GEOMETRY = new ModelGeometry(8, GRID, GRID, 64, 128);
  private static final ImageRgb IMAGE = TestImages.noise(24, 24, 1);

  /** One random pruning problem on a hand-made segmentation (SLIC is tested elsewhere). */
  record Problem(
      int[] labels,
      int[] live,
      float[] scores,
      int keepTokens,
      int minimum,
      String allocation,
      double temperature) {

    Segmentation segmentation() {
      return Segmentation.fromLabels(GRID, GRID, labels, 24, 24, GRID, GRID);
    }

    PruningSnapshot view() {
      return new PruningSnapshot(1, GRID, GRID, live, scores, IMAGE);
    }

    AltpPruner pruner(int keep) {
      return new AltpPrunerFactory()
          .create(
              Map.of(
                  "keep_tokens", Integer.toString(keep),
                  "min_per_region", Integer.toString(minimum),
                  "allocation", allocation,
                  "temperature", Double.toString(temperature)),
              GEOMETRY);
    }

    AltpSelection select(int keep) {
      return pruner(keep).select(view(), segmentation());
    }
  }

  @Provide
  Arbitrary<Problem> problems() {
    Arbitrary<int[]> labels =
        Arbitraries.integers()
            .between(1, 6)
            .flatMap(
                regions ->
                    Arbitraries.integers()
                        .between(0, regions - 1)
                        .array(int[].class)
                        .ofSize(GRID * GRID));
    Arbitrary<int[]> live =
        Arbitraries.integers()
            .between(0, GRID * GRID - 1)
            .set()
            .ofMinSize(1)
            .ofMaxSize(GRID * GRID)
            .map(set -> new TreeSet<>(set).stream().mapToInt(Integer::intValue).toArray());
    return Combinators.combine(
            labels,
            live,
            Arbitraries.integers().between(0, 1000),
            Arbitraries.doubles().between(0, 1),
            Arbitraries.integers().between(0, 3),
            Arbitraries.of("density", "uniform"),
            Arbitraries.doubles().between(0.05, 5))
        .as(
            (labelArray, liveArray, seed, fraction, minimum, allocation, temperature) ->
                new Problem(
                    labelArray,
                    liveArray,
                    TestImages.randomScores(liveArray.length, seed),
                    Math.max(1, (int) Math.round(fraction * liveArray.length)),
                    minimum,
                    allocation,
                    temperature));
  }

  @Property(tries = 300)
  void keepsExactlyTheBudgetFromLiveTokensOnly(@ForAll("problems") Problem problem) {
    AltpSelection selection = problem.select(problem.keepTokens());
    int[] kept = selection.keepSet().keptVisualTokens();
    Set<Integer> live = new HashSet<>();
    for (int token : problem.live()) {
      live.add(token);
    }
    assertThat(kept).hasSize(problem.keepTokens());
    for (int token : kept) {
      assertThat(live).contains(token);
    }
  }

  @Property(tries = 300)
  void noRegionKeepsMoreThanItsLiveTokensAndMinimumHoldsWhenAffordable(
      @ForAll("problems") Problem problem) {
    AltpSelection selection = problem.select(problem.keepTokens());
    int[] budgets = selection.budgets();
    int[] sizes = selection.liveTokens();
    int minimumSum = 0;
    for (int i = 0; i < sizes.length; i++) {
      assertThat(budgets[i]).isBetween(0, sizes[i]);
      minimumSum += Math.min(problem.minimum(), sizes[i]);
    }
    if (minimumSum <= problem.keepTokens()) {
      for (int i = 0; i < sizes.length; i++) {
        assertThat(budgets[i]).isGreaterThanOrEqualTo(Math.min(problem.minimum(), sizes[i]));
      }
    }
    // the kept tokens of each region are exactly its budget
    int[] keptPerRegion = new int[selection.segmentation().regionCount()];
    for (int token : selection.keepSet().keptVisualTokens()) {
      keptPerRegion[selection.segmentation().regionOfToken(token)]++;
    }
    for (int i = 0; i < budgets.length; i++) {
      assertThat(keptPerRegion[selection.regions()[i]]).isEqualTo(budgets[i]);
    }
  }

  @Property(tries = 200)
  void sameInputKeepsSameTokens(@ForAll("problems") Problem problem) {
    assertThat(problem.select(problem.keepTokens()).keepSet())
        .isEqualTo(problem.select(problem.keepTokens()).keepSet());
  }

  @Property(tries = 200)
  void moreBudgetNeverKeepsFewerTokens(@ForAll("problems") Problem problem) {
    int smaller = problem.select(problem.keepTokens()).keepSet().size();
    int larger =
        problem.select(Math.min(problem.live().length, problem.keepTokens() + 1)).keepSet().size();
    assertThat(larger).isGreaterThanOrEqualTo(smaller);
  }

  @Property(tries = 15)
  void realSuperpixelsKeepTheBudget(@ForAll("seeds") long seed) {
    ModelGeometry geometry = new ModelGeometry(8, 12, 12, 64, 128);
    ImageRgb image = TestImages.flatWithNoisySquare(96, 96, 0x405060, 10, 30, 30, seed);
    int[] all = new int[144];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    PruningSnapshot view =
        new PruningSnapshot(1, 12, 12, all, TestImages.randomScores(144, seed), image);
    AltpPruner pruner = new AltpPrunerFactory().create(Map.of("keep_ratio", "0.3"), geometry);
    int[] kept = pruner.prune(view).keptVisualTokens();
    assertThat(kept).hasSize(43);
    AltpSelection selection = pruner.lastSelection().orElseThrow();
    assertThat(Arrays.stream(selection.budgets()).sum()).isEqualTo(43);
    assertThat(Arrays.stream(selection.budgets()).min().orElseThrow()).isPositive();
  }

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs().between(0, 1_000_000);
  }
}
