package io.gcgserve.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One-hot selection matrices: the losses pick rows (the {@code [SEG]} states, the in-phrase states,
 * one image per mask) by a matmul with one of these rather than by advanced indexing, whose
 * backward with many duplicate indices produced NaN gradients on the CPU engine.
 */
final class RowSelection {

  private RowSelection() {}

  /**
   * A {@code (indices.length, width)} matrix, owned by {@code scope}, whose row i is 1 at column
   * {@code indices[i]} and 0 elsewhere.
   */
  static NDArray oneHot(NDManager scope, long[] indices, long width) {
    float[] values = new float[(int) (indices.length * width)];
    for (int i = 0; i < indices.length; i++) {
      values[(int) (i * width + indices[i])] = 1f;
    }
    return scope.create(values, new Shape(indices.length, width));
  }

  /**
   * The projected grounding image of each of {@code samples}, {@code (samples.length, H, W)}, from
   * {@code projected} {@code (batch, H, W)}, selected by matmul so that gradients flow back to
   * every image a mask uses.
   */
  static NDArray images(NDManager scope, NDArray projected, long[] samples) {
    Shape shape = projected.getShape();
    long batchSize = shape.get(0);
    return oneHot(scope, samples, batchSize)
        .matMul(projected.reshape(batchSize, shape.get(1) * shape.get(2)))
        .reshape(samples.length, shape.get(1), shape.get(2));
  }
}
