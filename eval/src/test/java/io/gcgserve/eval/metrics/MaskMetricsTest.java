package io.gcgserve.eval.metrics;

import static io.gcgserve.eval.metrics.TestMasks.mask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaskMetricsTest {

  private static final GroundedRecall RECALL = new GroundedRecall(PhraseSimilarity.bigramDice());

  /** A mask over a 10x10 image with pixels {@code from..to-1} set. */
  private static BitSet pixels(int from, int to) {
    BitSet set = new BitSet(100);
    set.set(from, to);
    return set;
  }

  private static ImageEvaluation image(List<LabeledMask> reference, List<LabeledMask> predicted) {
    return new ImageEvaluation("a caption", "a caption", reference, predicted);
  }

  private static final List<LabeledMask> TRUTH =
      List.of(mask("red star", 0, 10), mask("grass", 50, 100));

  @Test
  void perfectPredictionScoresOneEverywhere() {
    List<ImageEvaluation> images = List.of(image(TRUTH, TRUTH));
    assertThat(MaskAp.ap50(images)).isEqualTo(1.0, within(1e-12));
    assertThat(MeanIou.of(images)).isEqualTo(1.0);
    assertThat(RECALL.of(images)).isEqualTo(1.0);
  }

  @Test
  void emptyPredictionScoresZeroEverywhere() {
    List<ImageEvaluation> images = List.of(image(TRUTH, List.of()));
    assertThat(MaskAp.ap50(images)).isZero();
    assertThat(MeanIou.of(images)).isZero();
    assertThat(RECALL.of(images)).isZero();
  }

  @Test
  void swappedPhrasesKeepMaskScoresButLoseRecall() {
    // right masks, wrong words: AP50 and mIoU ignore phrases, recall needs similar phrases
    List<LabeledMask> swapped = List.of(mask("grass", 0, 10), mask("red star", 50, 100));
    List<ImageEvaluation> images = List.of(image(TRUTH, swapped));
    assertThat(MaskAp.ap50(images)).isEqualTo(1.0, within(1e-12));
    assertThat(MeanIou.of(images)).isEqualTo(1.0);
    assertThat(RECALL.of(images)).isZero();
  }

  @Test
  void halfOverlapIsAMatchAtExactlyIouOneHalf() {
    // prediction covers 5 of the 10 star pixels and nothing else: IoU 5/10 = 0.5 >= 0.5
    List<ImageEvaluation> half =
        List.of(image(List.of(TRUTH.get(0)), List.of(mask("red star", 0, 5))));
    assertThat(MaskAp.ap50(half)).isEqualTo(1.0, within(1e-12));
    assertThat(MeanIou.of(half)).isEqualTo(0.5);
    assertThat(RECALL.of(half)).isEqualTo(1.0);
    // shifted by half: 5 shared pixels, union 15, IoU 1/3 < 0.5
    List<ImageEvaluation> shifted =
        List.of(image(List.of(TRUTH.get(0)), List.of(mask("red star", 5, 15))));
    assertThat(MaskAp.ap50(shifted)).isZero();
    assertThat(MeanIou.of(shifted)).isEqualTo(1.0 / 3, within(1e-12));
    assertThat(RECALL.of(shifted)).isZero();
  }

  @Test
  void duplicatePredictionsAreFalsePositivesForApButNotForMeanIou() {
    // detections: star, star again, grass -> TP, FP, TP; recall 0.5, 0.5, 1; precision 1, 1/2, 2/3
    // monotone precision 1, 2/3, 2/3; thresholds 0..0.50 (51) read 1, 0.51..1 (50) read 2/3
    List<LabeledMask> predicted =
        List.of(mask("red star", 0, 10), mask("red star", 0, 10), mask("grass", 50, 100));
    List<ImageEvaluation> images = List.of(image(TRUTH, predicted));
    double expected = (51 * 1.0 + 50 * (2.0 / 3)) / 101;
    assertThat(MaskAp.ap50(images)).isEqualTo(expected, within(1e-9));
    assertThat(MeanIou.of(images)).isEqualTo(1.0);
    assertThat(RECALL.of(images)).isEqualTo(1.0);
  }

  @Test
  void apRanksDetectionsImageByImageAndReadsRecallThresholds() {
    // image 1: a miss then a hit; image 2: no prediction for its one mask
    ImageEvaluation first =
        image(List.of(mask("star", 0, 10)), List.of(mask("star", 20, 30), mask("star", 0, 10)));
    ImageEvaluation second = image(List.of(mask("ring", 40, 50)), List.of());
    // ranks: FP, TP -> recall 0, 0.5; precision 0, 0.5 -> monotone 0.5, 0.5
    // thresholds 0..0.5 (51) read 0.5; above 0.5 recall is never reached -> 0
    assertThat(MaskAp.ap50(List.of(first, second))).isEqualTo(51 * 0.5 / 101, within(1e-9));
    // mIoU: image 1 pairs the hit (1.0), image 2 has no pair (0) -> 0.5
    assertThat(MeanIou.of(List.of(first, second))).isEqualTo(0.5);
    assertThat(RECALL.of(List.of(first, second))).isEqualTo(0.5);
  }

  @Test
  void apIsUndefinedWithoutReferenceMasks() {
    assertThat(MaskAp.ap50(List.of(image(List.of(), List.of(mask("x", 0, 3)))))).isNaN();
  }

  @Test
  void recallStopsAtTheFirstBestPairWithDissimilarPhrases() {
    // the best-IoU pair has unrelated words: GLaMM stops there, even though the second pair fits
    List<LabeledMask> predicted = List.of(mask("blue ring", 0, 10), mask("grass", 50, 98));
    assertThat(RECALL.of(List.of(image(TRUTH, predicted)))).isZero();
  }

  @Test
  void bigramDiceIsLenientToSharedWordsOnly() {
    PhraseSimilarity dice = PhraseSimilarity.bigramDice();
    assertThat(dice.similarity("small red star", "small red star")).isEqualTo(1.0);
    // 11 shared bigrams (small 6, star 5) of 15 + 16
    assertThat(dice.similarity("small red star", "small blue star")).isEqualTo(22.0 / 31);
    assertThat(dice.similarity("sky", "grass")).isZero();
    assertThat(dice.similarity("Red  Star", "red star")).isEqualTo(1.0);
  }
}
