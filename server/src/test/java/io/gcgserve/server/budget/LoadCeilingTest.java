package io.gcgserve.server.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.server.config.ServerConfig;
import org.junit.jupiter.api.Test;

class LoadCeilingTest {

  private final long[] now = {0};

  private void arrive(int count, long everyNanos) {
    for (int i = 0; i < count; i++) {
      now[0] += everyNanos;
      ceiling.arrived();
    }
  }

  private final LoadCeiling ceiling = new LoadCeiling(0.5, () -> now[0]);

  @Test
  void theRateCountsArrivalsInTheWindow() {
    assertThat(ceiling.arrivalRate()).isZero();
    arrive(20, 100_000_000L); // 10/s for 2 s
    assertThat(ceiling.arrivalRate()).isEqualTo(20 / LoadCeiling.WINDOW_SECONDS);
    arrive(40, 100_000_000L); // 4 s more: the window holds those at 2.0, 2.1, ..., 6.0 s
    assertThat(ceiling.arrivalRate()).isEqualTo(41 / LoadCeiling.WINDOW_SECONDS);
    now[0] += 10_000_000_000L;
    assertThat(ceiling.arrivalRate()).isZero();
  }

  @Test
  void theCeilingIsTheLargestKeepWhoseOfferedLoadFits() {
    arrive(40, 100_000_000L); // 10/s
    // 10/s · 100·keep ms <= 0.5 s/s: keep <= 0.5
    assertThat(ceiling.ceiling(keep -> 100 * keep)).isEqualTo(0.5);
    // everything fits
    assertThat(ceiling.ceiling(keep -> 10 * keep)).isEqualTo(1.0);
    // nothing fits, not even the smallest step
    assertThat(ceiling.ceiling(keep -> 60 + keep)).isZero();
  }

  @Test
  void quietOrOffMeansNoCeiling() {
    assertThat(ceiling.ceiling(keep -> 1_000)).isEqualTo(1.0);
    LoadCeiling off = new LoadCeiling(new ServerConfig().setBudgetMaxLoad(0));
    assertThat(off.enabled()).isFalse();
    off.arrived();
    assertThat(off.ceiling(keep -> 1e9)).isEqualTo(1.0);
    assertThatThrownBy(() -> new LoadCeiling(-1, System::nanoTime))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
