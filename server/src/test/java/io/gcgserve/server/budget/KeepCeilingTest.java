package io.gcgserve.server.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The shared keep ceiling: multiplicative decrease once per round, additive increase. */
class KeepCeilingTest {

  @Test
  void missesLowerItOncePerRoundAndMetBudgetsRaiseItBack() {
    KeepCeiling ceiling = new KeepCeiling(true, 0.1);
    long before = System.nanoTime();
    ceiling.observe(before, 100, 100);
    assertThat(ceiling.ceiling()).isCloseTo(0.7, within(1e-9));
    // admitted before that drop: decided under the old ceiling, so it does not drop it again
    ceiling.observe(before, 500, 100);
    assertThat(ceiling.ceiling()).isCloseTo(0.7, within(1e-9));
    ceiling.observe(System.nanoTime(), 95, 100);
    assertThat(ceiling.ceiling()).isCloseTo(0.49, within(1e-9));
    // met with room to spare (at most 90% of the budget): +0.02 each
    for (int i = 0; i < 10; i++) {
      ceiling.observe(System.nanoTime(), 50, 100);
    }
    assertThat(ceiling.ceiling()).isCloseTo(0.69, within(1e-9));
    for (int i = 0; i < 100; i++) {
      ceiling.observe(System.nanoTime(), 50, 100);
    }
    assertThat(ceiling.ceiling()).isEqualTo(1.0);
  }

  @Test
  void neverBelowTheFloorAndOffMeansOne() {
    KeepCeiling ceiling = new KeepCeiling(true, 0.25);
    for (int i = 0; i < 20; i++) {
      ceiling.observe(System.nanoTime(), 1000, 100);
    }
    assertThat(ceiling.ceiling()).isEqualTo(0.25);
    KeepCeiling off = new KeepCeiling(false, 0.25);
    off.observe(System.nanoTime(), 1000, 100);
    assertThat(off.ceiling()).isEqualTo(1.0);
  }
}
