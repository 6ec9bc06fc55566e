package io.gcgserve.model.train;

import static io.gcgserve.model.djl.GcgNetwork.constant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgNetwork;
import java.util.Arrays;
import java.util.Objects;

/**
 * The region-word loss (ours, not GLaMM's): the coverage-weighted mean of the visual tokens under
 * each grounded phrase's mask, read through the tied output head, is trained towards that phrase's
 * words, so that a region's tokens together name it, as the captioner's attention reads them. A
 * mean keeps which features a region has but not where they lie, so this term teaches colour and
 * texture rather than shape (the model card has the figures; {@code ShapeProbe} finds shape
 * learnable only through a readout that keeps layout).
 *
 * <p>The tokens are read twice: as they enter the LLM ({@link #readInput}) and as they enter layer
 * {@link Trainer#REGION_TAP_LAYER} ({@link #readTap}), where the bundled pruners cut by default, so
 * that every token a pruner keeps carries its region's words. The two readouts are built at those
 * two points of the forward pass, in that order.
 */
final class RegionWordLoss {

  /**
   * The finished loss of one step.
   *
   * @param loss mean of the two readouts' cross-entropies (a differentiable scalar)
   * @param value the same as a number
   * @param accuracy {@link #accuracy} of the tapped readout
   */
  record Result(NDArray loss, double value, double accuracy) {}

  private final GcgNetwork network;
  private final TrainingBatch batch;
  private final NDArray pooling;
  private final NDArray targets;
  private final NDArray inputLoss;

  private RegionWordLoss(
      GcgNetwork network,
      TrainingBatch batch,
      NDArray pooling,
      NDArray targets,
      NDArray inputLoss) {
    this.network = network;
    this.batch = batch;
    this.pooling = pooling;
    this.targets = targets;
    this.inputLoss = inputLoss;
  }

  /**
   * The first readout, of {@code visualTokens} {@code (batch, tokens, hidden)} as they leave the
   * vision encoder; the batch must have at least one grounded region.
   */
  static RegionWordLoss readInput(
      GcgNetwork network, NDManager scope, TrainingBatch batch, NDArray visualTokens) {
    Objects.requireNonNull(visualTokens, "visualTokens is null");
    int regionCount = batch.regionWordCounts().length;
    if (regionCount == 0) {
      throw new IllegalArgumentException("the batch has no grounded region");
    }
    GcgConfig config = network.config();
    int visual = config.visualTokens();
    NDArray pooling =
        scope.create(batch.regionPooling(), new Shape(regionCount, batch.batchSize() * visual));
    NDArray regionLogits =
        network.logits(
            pooling.matMul(visualTokens.reshape(batch.batchSize() * visual, config.hiddenSize())));
    NDArray targets =
        scope.create(batch.regionTargets(), new Shape(regionCount, config.vocabSize()));
    return new RegionWordLoss(
        network, batch, pooling, targets, crossEntropy(regionLogits, targets));
  }

  /**
   * The second readout, of the visual tokens in {@code tappedSequence} {@code (batch, sequence,
   * hidden)}, the hidden states entering the tap layer, and the mean of both readouts.
   */
  Result readTap(NDArray tappedSequence) {
    GcgConfig config = network.config();
    int visual = config.visualTokens();
    NDArray tapped =
        tappedSequence
            .get(new NDIndex(":, 1:" + (1 + visual) + ", :"))
            .reshape(batch.batchSize() * visual, config.hiddenSize());
    NDArray tapLogits = network.logits(network.finalNorm(pooling.matMul(tapped)));
    NDArray tapLoss = crossEntropy(tapLogits, targets);
    double accuracy =
        accuracy(
            tapLogits.toFloatArray(),
            batch.regionTargets(),
            batch.regionWordCounts(),
            config.vocabSize());
    // in double, as each readout's loss is logged as a double
    double inputValue = inputLoss.getFloat();
    double value = (inputValue + tapLoss.getFloat()) / 2;
    NDArray loss = inputLoss.add(tapLoss).div(constant(tapLoss, 2f));
    return new Result(loss, value, accuracy);
  }

  /** Soft cross-entropy per region of region logits {@code (R, V)} against word targets. */
  static NDArray crossEntropy(NDArray regionLogits, NDArray regionTargets) {
    return regionLogits
        .logSoftmax(1)
        .mul(regionTargets)
        .sum()
        .neg()
        .div(constant(regionLogits, regionLogits.getShape().get(0)));
  }

  /**
   * Mean over regions of the share of a region's distinct phrase words that rank among its top-n
   * logits, n the number of those words: a training-time probe of what the visual tokens carry.
   */
  static double accuracy(float[] logits, float[] targets, int[] wordCounts, int vocabulary) {
    double sum = 0;
    for (int r = 0; r < wordCounts.length; r++) {
      int offset = r * vocabulary;
      Integer[] order = new Integer[vocabulary];
      for (int v = 0; v < vocabulary; v++) {
        order[v] = v;
      }
      Arrays.sort(order, (a, b) -> Float.compare(logits[offset + b], logits[offset + a]));
      int hits = 0;
      for (int i = 0; i < wordCounts[r]; i++) {
        if (targets[offset + order[i]] > 0) {
          hits++;
        }
      }
      sum += (double) hits / wordCounts[r];
    }
    return wordCounts.length == 0 ? 0 : sum / wordCounts.length;
  }
}
