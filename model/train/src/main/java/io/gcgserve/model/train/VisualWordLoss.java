package io.gcgserve.model.train;

import static io.gcgserve.model.djl.GcgNetwork.constant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgNetwork;

/**
 * The visual-word loss (ours, not GLaMM's): each visual token, read through the tied output head,
 * is trained towards the words of the grounded phrase covering its patch, each phrase's words
 * weighted by the share of the patch it covers. It gives the vision encoder one label per visual
 * token instead of a few caption tokens per image, and puts visual tokens and the words that
 * describe them in one space, which the captioning and the mask decoder's region keys both read.
 */
final class VisualWordLoss {

  private VisualWordLoss() {}

  /**
   * Soft cross-entropy per unit of covered patch area between the words read from {@code
   * visualTokens} {@code (batch, tokens, hidden)} and the batch's visual-word targets.
   */
  static NDArray of(
      GcgNetwork network, NDManager scope, TrainingBatch batch, NDArray visualTokens) {
    GcgConfig config = network.config();
    NDArray wordTargets =
        scope.create(
            batch.visualWordTargets(),
            new Shape(batch.batchSize(), config.visualTokens(), config.vocabSize()));
    return network
        .logits(visualTokens)
        .logSoftmax(2)
        .mul(wordTargets)
        .sum()
        .neg()
        .div(wordTargets.sum().add(constant(visualTokens, 1e-6f)));
  }
}
