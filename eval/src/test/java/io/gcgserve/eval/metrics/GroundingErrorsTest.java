package io.gcgserve.eval.metrics;

import static io.gcgserve.eval.metrics.TestMasks.mask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class GroundingErrorsTest {

  @Test
  void sortsEveryPredictedMaskIntoOneKind() {
    List<LabeledMask> truth =
        List.of(mask("red star", 0, 10), mask("blue ring", 20, 30), mask("grass", 50, 100));
    List<LabeledMask> predicted =
        List.of(
            mask("red star", 0, 9), // IoU 0.9: found
            mask("red star", 0, 8), // IoU 0.8 with the same star, taken: duplicate
            mask("blue ring", 20, 24), // IoU 0.4: near miss
            mask("green heart", 40, 46), // overlaps nothing: miss
            mask("blue ring", 27, 40)); // IoU 3/20 with the ring: miss
    GroundingErrors errors =
        GroundingErrors.of(List.of(new ImageEvaluation("c", "c", truth, predicted)));
    assertThat(errors).isEqualTo(new GroundingErrors(5, 3, 1, 1, 1, 2));
  }

  @Test
  void theBetterOfTwoMasksOnOneObjectIsTheFoundOneWhicheverComesFirst() {
    List<LabeledMask> truth = List.of(mask("sky", 0, 10));
    List<LabeledMask> predicted = List.of(mask("sky", 0, 6), mask("sky", 0, 10));
    GroundingErrors errors =
        GroundingErrors.of(List.of(new ImageEvaluation("c", "c", truth, predicted)));
    // the exact mask pairs; the 0.6 one is the duplicate
    assertThat(errors).isEqualTo(new GroundingErrors(2, 1, 1, 1, 0, 0));
  }

  @Test
  void sumsOverImagesAndCountsReferencesNeverFound() {
    ImageEvaluation empty =
        new ImageEvaluation("c", "", List.of(mask("sky", 0, 50), mask("sea", 50, 100)), List.of());
    ImageEvaluation one =
        new ImageEvaluation("c", "c", List.of(mask("sky", 0, 50)), List.of(mask("sky", 0, 50)));
    assertThat(GroundingErrors.of(List.of(empty, one)))
        .isEqualTo(new GroundingErrors(1, 3, 1, 0, 0, 0));
  }

  @Test
  void countsThatDoNotAddUpAreRejected() {
    assertThatThrownBy(() -> new GroundingErrors(3, 2, 1, 1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
