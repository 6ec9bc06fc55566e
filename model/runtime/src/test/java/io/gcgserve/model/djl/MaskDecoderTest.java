package io.gcgserve.model.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class MaskDecoderTest {

  @Test
  void bilinearMatrixKeepsConstantsAndRampsAndPutsEachSourceCellUnderItsPixels() {
    float[] weights = GroundingDecoder.bilinearWeights(8, 28);
    for (int row = 0; row < 28; row++) {
      double sum = 0;
      double centre = 0;
      for (int column = 0; column < 8; column++) {
        sum += weights[row * 8 + column];
        centre += weights[row * 8 + column] * column;
      }
      assertEquals(1.0, sum, 1e-6, "row " + row + " must be a convex combination");
      // the interpolated source position follows the pixel centre, clamped at the edges
      double expected = Math.max(0, Math.min(7, (row + 0.5) * 8 / 28 - 0.5));
      assertEquals(expected, centre, 1e-5, "row " + row);
    }
  }

  @Test
  void coarsePathPutsTheMaskOnTheVisualTokenTheSegStateQueries() {
    GcgTokenizer tokenizer = GcgTokenizer.load(GcgTokenizer.buildTokenizerJson(TinyModels.WORDS));
    GcgConfig config = TinyModels.config(tokenizer.vocabularySize());
    int grid = config.gridSize(); // 8
    int size = config.groundingSize(); // 16
    int h = config.maskHiddenSize();
    int d = config.hiddenSize();
    int row = 2;
    int column = 5;
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgNetwork network = GcgNetwork.initialize(config, manager, 7);
      // only the coarse path speaks: a fixed region query along the first key channel, keys that
      // copy the first h channels of each visual token, a silent per-pixel decoder output
      float[] fc2 = new float[d * 3 * h];
      network.weights().get("seg_proj.fc2.weight").set(fc2);
      float[] fc2Bias = new float[3 * h];
      fc2Bias[2 * h] = 40f;
      network.weights().get("seg_proj.fc2.bias").set(fc2Bias);
      float[] keys = new float[d * h];
      for (int i = 0; i < h; i++) {
        keys[i * h + i] = 1f;
      }
      network.weights().get("mask_decoder.region_key.weight").set(keys);
      network.weights().get("mask_decoder.out.weight").set(new float[h]);

      float[] visual = new float[grid * grid * d];
      visual[(row * grid + column) * d] = 1f;
      NDArray projected =
          network.projectImage(
              manager.zeros(new Shape(1, config.groundingChannels() + 10, size, size)),
              manager.create(visual, new Shape(1, (long) grid * grid, d)));
      float[] logits =
          network.maskLogits(manager.randomNormal(new Shape(1, d)), projected).toFloatArray();

      int best = 0;
      for (int i = 1; i < logits.length; i++) {
        if (logits[i] > logits[best]) {
          best = i;
        }
      }
      int scale = size / grid;
      assertEquals(row, (best / size) / scale, "argmax row " + best / size);
      assertEquals(column, (best % size) / scale, "argmax column " + best % size);
      // 40 / sqrt(h) at the cell, bilinearly spread: 0.75 * 0.75 of it on the 2x2 block
      assertEquals(40 / Math.sqrt(h) * 0.5625, logits[best], 1e-3);
      assertEquals(0.0, logits[0], 1e-6, "far from the queried token the coarse map is 0");
      assertTrue(logits[(row * scale) * size + column * scale + 1] > 1, "the whole cell lights up");
    }
  }
}
