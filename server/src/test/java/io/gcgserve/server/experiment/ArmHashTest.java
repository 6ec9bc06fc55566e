package io.gcgserve.server.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.proto.v1.PrunerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ArmHashTest {

  private static final int KEYS = 100_000;

  /** χ² critical values at p = 0.001 for 1..3 degrees of freedom. */
  private static final double[] CHI2_CRITICAL_0_001 = {10.828, 13.816, 16.266};

  static Arm arm(String name, double weight, double total) {
    return new Arm(
        name,
        PrunerSpec.newBuilder().setName("none").build(),
        "none",
        Map.of(),
        weight,
        weight / total);
  }

  static List<Arm> arms(double... weights) {
    double total = 0;
    for (double weight : weights) {
      total += weight;
    }
    List<Arm> arms = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      arms.add(arm("arm-" + (char) ('a' + i), weights[i], total));
    }
    return arms;
  }

  static int[] counts(String salt, List<Arm> arms) {
    int[] counts = new int[arms.size()];
    for (int key = 0; key < KEYS; key++) {
      counts[ArmHash.choose(salt, "user-" + key, arms)]++;
    }
    return counts;
  }

  static double chiSquare(int[] counts, List<Arm> arms) {
    double statistic = 0;
    for (int i = 0; i < counts.length; i++) {
      double expected = KEYS * arms.get(i).share();
      statistic += (counts[i] - expected) * (counts[i] - expected) / expected;
    }
    return statistic;
  }

  @Test
  void theHashIsPinnedSoAssignmentsSurviveRestartsAndReimplementations() {
    // the documented algorithm, computed once and written down: a change here reassigns users
    assertThat(ArmHash.hash("salt", "user-1", "arm-a")).isEqualTo(ArmHashVectors.SALT_USER1_ARMA);
    List<Arm> arms = arms(1, 1, 2);
    assertThat(ArmHash.choose("2026-12", "alice", arms)).isEqualTo(ArmHashVectors.ALICE_ARM);
    // a second, independent list of the same arms: the same answer for every key
    List<Arm> again = arms(1, 1, 2);
    for (int key = 0; key < 1000; key++) {
      assertThat(ArmHash.choose("2026-12", "k" + key, again))
          .isEqualTo(ArmHash.choose("2026-12", "k" + key, arms));
    }
  }

  @Test
  void hundredThousandKeysLandWithinOnePercentOfTheWeightsAndPassChiSquare() {
    for (double[] weights : new double[][] {{1, 1}, {1, 1, 2}, {70, 20, 5, 5}}) {
      List<Arm> arms = arms(weights);
      int[] counts = counts("exp-salt", arms);
      for (int i = 0; i < counts.length; i++) {
        assertThat((double) counts[i] / KEYS).isCloseTo(arms.get(i).share(), within(0.01));
      }
      assertThat(chiSquare(counts, arms)).isLessThan(CHI2_CRITICAL_0_001[weights.length - 2]);
    }
  }

  @Test
  void randomDrawsFollowTheWeightsToo() {
    List<Arm> arms = arms(3, 1);
    SplittableRandom random = new SplittableRandom(7);
    int[] counts = new int[2];
    for (int i = 0; i < KEYS; i++) {
      counts[ArmHash.draw(arms, random::nextLong)]++;
    }
    assertThat(counts[0] / (double) KEYS).isCloseTo(0.75, within(0.01));
    assertThat(chiSquare(counts, arms)).isLessThan(CHI2_CRITICAL_0_001[0]);
  }

  @Test
  void changingOneWeightMovesAboutItsChangeInShareAndOnlyToThatArm() {
    List<Arm> before = arms(40, 30, 30);
    List<Arm> after = arms(50, 30, 30);
    double shareChange = after.get(0).share() - before.get(0).share();
    int moved = 0;
    for (int key = 0; key < KEYS; key++) {
      int was = ArmHash.choose("s", "user-" + key, before);
      int now = ArmHash.choose("s", "user-" + key, after);
      if (was != now) {
        moved++;
        assertThat(now).as("a key moved to an arm whose weight did not grow").isZero();
      }
    }
    assertThat((double) moved / KEYS).isCloseTo(shareChange, within(0.005));
  }

  @Test
  void addingAnArmOnlyTakesKeysAndReorderingMovesNone() {
    List<Arm> two = arms(1, 1);
    List<Arm> three = new ArrayList<>(two);
    three.add(arm("arm-new", 1, 3));
    List<Arm> reordered = List.of(two.get(1), two.get(0));
    for (int key = 0; key < 20_000; key++) {
      String subject = "user-" + key;
      Arm was = two.get(ArmHash.choose("s", subject, two));
      Arm now = three.get(ArmHash.choose("s", subject, three));
      assertThat(now.name()).isIn(was.name(), "arm-new");
      assertThat(reordered.get(ArmHash.choose("s", subject, reordered)).name())
          .isEqualTo(was.name());
    }
  }

  @Test
  void saltsAssignIndependently() {
    List<Arm> arms = arms(1, 1);
    int same = 0;
    for (int key = 0; key < 20_000; key++) {
      if (ArmHash.choose("one", "u" + key, arms) == ArmHash.choose("two", "u" + key, arms)) {
        same++;
      }
    }
    assertThat(same / 20_000.0).isCloseTo(0.5, within(0.02));
  }

  private static org.assertj.core.data.Offset<Double> within(double offset) {
    return org.assertj.core.data.Offset.offset(offset);
  }
}
