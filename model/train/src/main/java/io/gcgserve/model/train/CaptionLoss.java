package io.gcgserve.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.model.djl.GcgNetwork;

/**
 * The language-model loss: teacher-forced cross-entropy of the caption, position p predicting token
 * p + 1, averaged over the caption tokens (padding excluded), with the share of in-phrase words the
 * head ranks first as a probe of what grounding the captioner learned.
 */
final class CaptionLoss {

  /**
   * The caption loss of one step.
   *
   * @param loss cross-entropy per caption token (a differentiable scalar)
   * @param phraseAccuracy {@link #phraseAccuracy} of the teacher-forced argmax
   */
  record Result(NDArray loss, double phraseAccuracy) {}

  private CaptionLoss() {}

  /**
   * The loss of {@code hidden} {@code (batch, sequence, hidden)}, whose states from the last visual
   * token on predict the prompt's continuation, against the batch's caption targets.
   */
  static Result of(GcgNetwork network, NDManager scope, TrainingBatch batch, NDArray hidden) {
    int batchSize = batch.batchSize();
    int targetLength = batch.targetLength();
    // the state at the prompt's last token predicts the caption's first; BOS precedes the visuals
    int first = network.config().visualTokens() + batch.promptLength();
    NDArray predicting =
        hidden.get(new NDIndex(":, " + first + ":" + (first + targetLength) + ", :"));
    NDArray logProbabilities = network.logits(predicting).logSoftmax(2);
    NDArray targets = scope.create(batch.targets(), new Shape(batchSize, targetLength, 1));
    NDArray picked = logProbabilities.gather(targets, 2).reshape(batchSize, targetLength);
    NDArray targetMask = scope.create(batch.targetMask(), new Shape(batchSize, targetLength));
    NDArray loss = picked.mul(targetMask).sum().neg().div(targetMask.sum());
    double accuracy =
        phraseAccuracy(
            logProbabilities.argMax(2).toLongArray(), batch.targets(), batch.phraseTargets());
    return new Result(loss, accuracy);
  }

  /** Share of the in-phrase targets whose argmax prediction is right; 0 when there are none. */
  static double phraseAccuracy(long[] predicted, long[] targets, long[] phraseTargets) {
    if (phraseTargets.length == 0) {
      return 0;
    }
    int right = 0;
    for (long index : phraseTargets) {
      if (predicted[(int) index] == targets[(int) index]) {
        right++;
      }
    }
    return (double) right / phraseTargets.length;
  }
}
