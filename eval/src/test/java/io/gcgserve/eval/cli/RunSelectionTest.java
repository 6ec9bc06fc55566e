package io.gcgserve.eval.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RunSelectionTest {

  @Test
  void withoutQuickAFullRunIsTheDefault() {
    RunSelection synthetic = RunSelection.resolve(false, true, null, null, null, false, false);
    assertThat(synthetic.imageLimit()).isEqualTo(500);
    assertThat(synthetic.pruners()).containsExactly("none", "fastv", "pdrop", "altp");
    assertThat(synthetic.keepRatios()).containsExactly(0.1, 0.25, 0.5);
    assertThat(RunSelection.resolve(false, false, null, null, null, false, false).imageLimit())
        .isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void quickAloneIsTheSmallPreset() {
    RunSelection quick = RunSelection.resolve(true, true, null, null, null, false, false);
    assertThat(quick)
        .isEqualTo(new RunSelection(8, List.of("none", "fastv"), List.of(0.1), false, false));
    assertThat(quick.describe()).isEqualTo("8 image(s), pruners none,fastv, keep ratios 0.1");
  }

  @Test
  void quickFillsOnlyWhatWasNotGiven() {
    RunSelection pruners =
        RunSelection.resolve(true, true, null, List.of("none", "altp"), null, false, false);
    assertThat(pruners.pruners()).containsExactly("none", "altp");
    assertThat(pruners.keepRatios()).containsExactly(0.1);
    assertThat(pruners.imageLimit()).isEqualTo(8);

    RunSelection ratios =
        RunSelection.resolve(true, true, null, null, List.of(0.25, 0.5), false, false);
    assertThat(ratios.keepRatios()).containsExactly(0.25, 0.5);
    assertThat(ratios.pruners()).containsExactly("none", "fastv");

    RunSelection limit = RunSelection.resolve(true, false, 20, null, null, false, false);
    assertThat(limit.imageLimit()).isEqualTo(20);
  }

  @Test
  void quickKeepsTheTablesThatWereAskedFor() {
    RunSelection tables = RunSelection.resolve(true, true, null, null, null, true, true);
    assertThat(tables.ablation()).isTrue();
    assertThat(tables.sensitivity()).isTrue();
    assertThat(tables.describe()).endsWith(", ablation, sensitivity");
  }

  @Test
  void rejectsValuesThatNameNoRun() {
    assertThatThrownBy(() -> RunSelection.resolve(true, true, 0, null, null, false, false))
        .hasMessage("--limit must be at least 1, got 0");
    assertThatThrownBy(
            () -> RunSelection.resolve(false, true, null, null, List.of(0.0), false, false))
        .hasMessage("--keep-ratios must lie in (0, 1), got 0.0");
  }
}
