package io.gcgserve.pruners;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class PruningSnapshotTest {

  @Test
  void aSnapshotWithCancellationShowsTheSameTokensAndReportsTheFlagLive() {
    ImageRgb image = new ImageRgb(2, 2, new int[4]);
    PruningSnapshot snapshot =
        new PruningSnapshot(3, 2, 2, new int[] {0, 2, 3}, new float[] {0.5f, 0.25f, 0.25f}, image);
    AtomicBoolean flag = new AtomicBoolean();
    PruningView view = snapshot.withCancellation(flag::get);
    assertThat(view.layer()).isEqualTo(3);
    assertThat(view.gridHeight()).isEqualTo(2);
    assertThat(view.gridWidth()).isEqualTo(2);
    assertThat(view.liveVisualTokens()).containsExactly(0, 2, 3);
    assertThat(view.attentionToVisual()).containsExactly(0.5f, 0.25f, 0.25f);
    assertThat(view.image()).isSameAs(image);
    assertThat(view.cancelled()).isFalse();
    flag.set(true);
    assertThat(view.cancelled()).isTrue();
    // a plain snapshot is never cancelled
    assertThat(snapshot.cancelled()).isFalse();
  }
}
