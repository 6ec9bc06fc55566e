package io.gcgserve.model.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class RopeRotationTest {

  /**
   * RoPE's rotated half, as the matmul {@code LanguageModel} runs, is bit for bit the swap and
   * negation it stands for ({@code [-x2, x1]}), on the stacked query and key shape of a decode step
   * and of a prefill: every output is one input times ±1 plus exact zeros.
   */
  @Test
  void theRotationMatrixSwapsAndNegatesTheHalvesExactly() {
    int headDim = 32;
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.getEngine().setRandomSeed(7);
      NDArray rotation =
          manager.create(LanguageModel.rotation(headDim), new Shape(headDim, headDim));
      for (Shape shape :
          new Shape[] {new Shape(2, 8, 4, 1, headDim), new Shape(2, 1, 4, 604, headDim)}) {
        NDArray x = manager.randomNormal(shape).mul(1e3f);
        NDList halves = x.split(2, 4);
        float[] expected = halves.get(1).neg().concat(halves.get(0), 4).toFloatArray();
        assertArrayEquals(expected, x.matMul(rotation).toFloatArray(), 0f, shape.toString());
      }
    }
  }
}
