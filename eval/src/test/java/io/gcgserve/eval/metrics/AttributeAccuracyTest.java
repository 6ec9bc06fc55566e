package io.gcgserve.eval.metrics;

import static io.gcgserve.eval.metrics.TestMasks.mask;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AttributeAccuracyTest {

  /** "colour shape" phrases; anything else does not parse. */
  private static final PhraseAttributes COLOUR_SHAPE =
      new PhraseAttributes() {
        @Override
        public List<String> names() {
          return List.of("colour", "shape");
        }

        @Override
        public Optional<List<String>> parse(String phrase) {
          String[] words = phrase.split(" ");
          return words.length == 2 ? Optional.of(List.of(words)) : Optional.empty();
        }
      };

  @Test
  void pairsMasksByIouAndCountsEachAttribute() {
    List<LabeledMask> truth =
        List.of(mask("red star", 0, 10), mask("blue ring", 20, 30), mask("grass", 50, 100));
    // listed out of order: pairing is by mask, not by position in the caption
    List<LabeledMask> predicted =
        List.of(
            mask("blue circle", 20, 29), // IoU 0.9 with the ring: colour right, shape wrong
            mask("red star", 0, 10), // exact
            mask("grass", 50, 100), // pairs, but a background does not parse
            mask("green heart", 40, 45)); // overlaps nothing
    AttributeAccuracy accuracy =
        AttributeAccuracy.of(
            List.of(new ImageEvaluation("c", "c", truth, predicted)), COLOUR_SHAPE);
    assertThat(accuracy.pairs()).isEqualTo(2);
    assertThat(accuracy.accuracy(0)).isEqualTo(1.0);
    assertThat(accuracy.accuracy(1)).isEqualTo(0.5);
  }

  @Test
  void aMaskBelowTheRecallIouIsNotAPair() {
    // IoU 4/10: the same object for mIoU, too loose to compare its words
    List<LabeledMask> truth = List.of(mask("red star", 0, 10));
    List<LabeledMask> predicted = List.of(mask("red star", 0, 4));
    AttributeAccuracy accuracy =
        AttributeAccuracy.of(
            List.of(new ImageEvaluation("c", "c", truth, predicted)), COLOUR_SHAPE);
    assertThat(accuracy.pairs()).isZero();
    assertThat(accuracy.accuracy(1)).isNaN();
  }

  @Test
  void eachReferenceIsPairedOnce() {
    // a repeated phrase with a second, slightly worse mask of the same object is not a second pair
    List<LabeledMask> truth = List.of(mask("red star", 0, 10));
    List<LabeledMask> predicted = List.of(mask("red star", 0, 10), mask("red star", 0, 9));
    AttributeAccuracy accuracy =
        AttributeAccuracy.of(
            List.of(new ImageEvaluation("c", "c", truth, predicted)), COLOUR_SHAPE);
    assertThat(accuracy.pairs()).isEqualTo(1);
  }
}
