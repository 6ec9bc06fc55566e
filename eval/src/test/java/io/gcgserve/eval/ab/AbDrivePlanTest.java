package io.gcgserve.eval.ab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AbDrivePlanTest {

  @Test
  void theSameSeedGivesTheSameSequenceAndAnotherSeedAnother() {
    AbDrivePlan plan = AbDrivePlan.create(200, 7, 50, 11);

    assertThat(AbDrivePlan.create(200, 7, 50, 11)).isEqualTo(plan);
    assertThat(AbDrivePlan.create(200, 7, 50, 12).requests()).isNotEqualTo(plan.requests());
  }

  @Test
  void cyclesThroughTheImagesAndDrawsKeysFromThePopulation() {
    AbDrivePlan plan = AbDrivePlan.create(300, 7, 50, 1);

    assertThat(plan.size()).isEqualTo(300);
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < plan.size(); i++) {
      AbDrivePlan.Request request = plan.requests().get(i);
      assertThat(request.index()).isEqualTo(i);
      assertThat(request.image()).isEqualTo(i % 7);
      String key = request.subjectKey();
      assertThat(key).isNotNull().startsWith("subject-");
      int subject = Integer.parseInt(key.substring("subject-".length()));
      assertThat(subject).isBetween(0, 49);
      keys.add(key);
    }
    // 300 uniform draws from 50 subjects leave practically none out; a constant key would not
    assertThat(keys.size()).isGreaterThan(40);
  }

  @Test
  void zeroSubjectsPlansNoKeys() {
    List<AbDrivePlan.Request> requests = AbDrivePlan.create(10, 3, 0, 1).requests();

    assertThat(requests).allSatisfy(request -> assertThat(request.subjectKey()).isNull());
  }

  @Test
  void refusesEmptyPlans() {
    assertThatThrownBy(() -> AbDrivePlan.create(0, 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AbDrivePlan.create(1, 0, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AbDrivePlan.create(1, 1, -1, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
