package io.gcgserve.model.train;

import static io.gcgserve.model.djl.GcgNetwork.constant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.model.djl.GcgNetwork;
import io.gcgserve.model.djl.PhraseGlance;
import java.util.Arrays;

/**
 * The phrase glance in training (see {@link PhraseGlance}): the states that predict the words of a
 * phrase get a layout-keeping readout of the phrase's box (taken from the reference mask, jittered)
 * added before the output head, and one such state per phrase learns the phrase's mask, at {@link
 * #MASK_SHARE} of the {@code [SEG]} mask losses' weight, so that generation can aim the glance with
 * its own mask.
 */
final class PhraseGlanceLoss {

  /**
   * Weight of the masks decoded inside phrases (which aim the phrase glance; one state per phrase)
   * relative to the {@code [SEG]} masks: half, as they are guesses made before the phrase is
   * complete.
   */
  static final double MASK_SHARE = 0.5;

  /**
   * The glance's contribution to one step.
   *
   * @param captionHidden the final hidden states {@code (batch, sequence, hidden)} with each
   *     in-phrase state's glance added, for the caption loss
   * @param maskLoss weighted BCE and Dice of the in-phrase masks, already scaled by {@link
   *     #MASK_SHARE} (a differentiable scalar)
   * @param dice the in-phrase masks' Dice loss as a number, for the log
   */
  record Result(NDArray captionHidden, NDArray maskLoss, double dice) {}

  private PhraseGlanceLoss() {}

  /**
   * Applies the glance to {@code hidden} {@code (batch, sequence, hidden)} at the batch's glance
   * rows and computes the in-phrase mask losses from {@code features} (the grounding encoder's) and
   * {@code projected} (its projection per image); the batch must have at least one glance row.
   */
  static Result apply(
      GcgNetwork network,
      NDManager scope,
      TrainingBatch batch,
      TrainingOptions options,
      NDArray hidden,
      NDArray features,
      NDArray projected) {
    int glanceCount = batch.glanceRows().length;
    if (glanceCount == 0) {
      throw new IllegalArgumentException("the batch has no in-phrase glance row");
    }
    int batchSize = batch.batchSize();
    long sequenceLength = hidden.getShape().get(1);
    int size = network.config().groundingSize();
    NDArray glanceSelection =
        RowSelection.oneHot(scope, batch.glanceRows(), batchSize * sequenceLength);
    NDArray flat = hidden.reshape(batchSize * sequenceLength, network.config().hiddenSize());
    long[] maskRows = batch.glanceMaskRows();
    int maskCount = maskRows.length;
    NDArray states =
        RowSelection.oneHot(scope, maskRows, glanceCount).matMul(glanceSelection).matMul(flat);
    long[] samples = new long[maskCount];
    for (int m = 0; m < maskCount; m++) {
      samples[m] = batch.glanceSamples()[(int) maskRows[m]];
    }
    NDArray glancePixels = RowSelection.images(scope, projected, samples);
    MaskLosses losses =
        MaskLosses.of(
            network.maskLogits(states, glancePixels),
            scope.create(batch.glanceTargets(), new Shape(maskCount, size, size)));
    double dice = losses.dice().getFloat();
    NDArray maskLoss =
        losses
            .bce()
            .mul(constant(states, (float) options.bceLossWeight()))
            .add(losses.dice().mul(constant(states, (float) options.diceLossWeight())))
            .mul(constant(states, (float) MASK_SHARE));
    NDArray glance = glances(network, scope, batch, features);
    NDArray captionHidden =
        flat.add(glanceSelection.transpose().matMul(glance)).reshape(hidden.getShape());
    return new Result(captionHidden, maskLoss, dice);
  }

  /** The glance of each glance row, image by image (rows come grouped by image). */
  private static NDArray glances(
      GcgNetwork network, NDManager scope, TrainingBatch batch, NDArray features) {
    int glanceCount = batch.glanceRows().length;
    NDList glances = new NDList();
    int from = 0;
    while (from < glanceCount) {
      int sample = batch.glanceSamples()[from];
      int to = from;
      while (to < glanceCount && batch.glanceSamples()[to] == sample) {
        to++;
      }
      float[] boxes = Arrays.copyOfRange(batch.glanceBoxes(), 4 * from, 4 * to);
      glances.add(network.glance(scope, boxes, features.get(sample)));
      from = to;
    }
    return NDArrays.concat(glances, 0);
  }
}
