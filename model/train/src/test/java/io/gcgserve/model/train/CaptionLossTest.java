package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgNetwork;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class CaptionLossTest {

  @Test
  void phraseAccuracyCountsOnlyTheTargetsInsidePhrases() {
    long[] targets = {4, 5, 6, 7};
    long[] predicted = {4, 5, 0, 0};
    assertThat(CaptionLoss.phraseAccuracy(predicted, targets, new long[] {1, 2})).isEqualTo(0.5);
    assertThat(CaptionLoss.phraseAccuracy(predicted, targets, new long[] {})).isZero();
  }

  @Test
  void theLossIsTheMeanNegativeLogLikelihoodOfTheCaptionTokensFromTheLastPromptState() {
    GcgConfig config = TrainingFixtures.config(12, false);
    int promptLength = 2;
    int targetLength = 3;
    int sequence = 1 + config.visualTokens() + promptLength + targetLength;
    long[] targets = {3, 7, 0};
    // the third target is padding: its id must not matter
    float[] targetMask = {1f, 1f, 0f};
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgNetwork network = GcgNetwork.initialize(config, manager, 3);
      NDArray hidden = manager.randomNormal(new Shape(1, sequence, config.hiddenSize()));
      TrainingBatch batch =
          TrainingFixtures.captionBatch(promptLength, targetLength, targets, targetMask);
      double loss = CaptionLoss.of(network, manager, batch, hidden).loss().getFloat();

      // by hand: the state before caption token t (position V + P + t) predicts it
      int first = config.visualTokens() + promptLength;
      float[] logits =
          network
              .logits(hidden.get(new NDIndex("0, " + first + ":" + (first + 2) + ", :")))
              .toFloatArray();
      double expected = 0;
      for (int t = 0; t < 2; t++) {
        expected -=
            logSoftmax(logits, t * config.vocabSize(), config.vocabSize(), (int) targets[t]);
      }
      assertThat(loss).isCloseTo(expected / 2, Offset.offset(1e-4));

      long[] otherPadding = {3, 7, 9};
      TrainingBatch padded =
          TrainingFixtures.captionBatch(promptLength, targetLength, otherPadding, targetMask);
      assertThat((double) CaptionLoss.of(network, manager, padded, hidden).loss().getFloat())
          .isEqualTo(loss);
    }
  }

  private static double logSoftmax(float[] logits, int offset, int vocabulary, int target) {
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocabulary; v++) {
      max = Math.max(max, logits[offset + v]);
    }
    double sum = 0;
    for (int v = 0; v < vocabulary; v++) {
      sum += Math.exp(logits[offset + v] - max);
    }
    return logits[offset + target] - max - Math.log(sum);
  }
}
