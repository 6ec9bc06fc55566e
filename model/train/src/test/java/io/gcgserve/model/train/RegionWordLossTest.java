package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class RegionWordLossTest {

  @Test
  void regionWordAccuracyCountsPhraseWordsInTheTopN() {
    // two regions over a vocabulary of 4; region 0's words {1, 2}, region 1's word {3}
    float[] logits = {0f, 5f, 1f, 4f, /* region 1 */ 9f, 0f, 0f, 8f};
    float[] targets = {0f, 0.5f, 0.5f, 0f, /* region 1 */ 0f, 0f, 0f, 1f};
    // region 0: top-2 are {1, 3}, one of its two words; region 1: top-1 is 0, a miss
    assertThat(RegionWordLoss.accuracy(logits, targets, new int[] {2, 1}, 4)).isEqualTo(0.25);
    assertThat(RegionWordLoss.accuracy(new float[0], new float[0], new int[0], 4)).isZero();
  }

  @Test
  void uniformLogitsCostTheLogOfTheVocabularyPerRegion() {
    try (NDManager manager = NDManager.newBaseManager()) {
      // three regions over a vocabulary of 5, each target row summing to 1
      float[] targets = {
        0.5f, 0.5f, 0f, 0f, 0f, /* */ 0f, 0f, 1f, 0f, 0f, /* */ 0f, 1f / 3, 1f / 3, 1f / 3, 0f
      };
      float loss =
          RegionWordLoss.crossEntropy(
                  manager.zeros(new Shape(3, 5)), manager.create(targets, new Shape(3, 5)))
              .getFloat();
      assertThat((double) loss).isCloseTo(Math.log(5), Offset.offset(1e-5));
    }
  }
}
