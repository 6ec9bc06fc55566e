package io.gcgserve.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.model.djl.GcgNetwork;

/**
 * GLaMM's grounding loss: the final hidden state at each {@code [SEG]} input slot is decoded into a
 * mask over its image, scored by {@link MaskLosses} against the phrase's reference mask.
 */
final class SegMaskLoss {

  private SegMaskLoss() {}

  /**
   * The mask losses of every {@code [SEG]} of the batch, decoded from {@code hidden} {@code (batch,
   * sequence, hidden)} over {@code projected} (the projected grounding image per sample); the batch
   * must have at least one {@code [SEG]}.
   */
  static MaskLosses of(
      GcgNetwork network, NDManager scope, TrainingBatch batch, NDArray hidden, NDArray projected) {
    int segCount = batch.segRows().length;
    if (segCount == 0) {
      throw new IllegalArgumentException("the batch has no [SEG]");
    }
    int size = network.config().groundingSize();
    long rowCount = batch.batchSize() * hidden.getShape().get(1);
    NDArray rows =
        RowSelection.oneHot(scope, batch.segRows(), rowCount)
            .matMul(hidden.reshape(rowCount, network.config().hiddenSize()));
    NDArray segPixels = RowSelection.images(scope, projected, batch.segSamples());
    NDArray logits = network.maskLogits(rows, segPixels);
    NDArray maskTargets = scope.create(batch.segTargets(), new Shape(segCount, size, size));
    return MaskLosses.of(logits, maskTargets);
  }
}
