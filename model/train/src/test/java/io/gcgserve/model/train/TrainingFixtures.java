package io.gcgserve.model.train;

import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.pruners.ImageRgb;

/** Small configurations and hand-made batches shared by the training tests. */
final class TrainingFixtures {

  private TrainingFixtures() {}

  /** A tiny model: 32-pixel images in an 8-pixel patch grid (16 visual tokens), width 32. */
  static GcgConfig config(int vocabulary, boolean phraseGlance) {
    // grounding channels: 16, not 8 (Trainer.CONVOLUTION_CHANNEL_BLOCK; model/README.md, Training)
    return config(vocabulary, phraseGlance, 16);
  }

  /** {@link #config(int, boolean)} with {@code groundingChannels} grounding channels. */
  static GcgConfig config(int vocabulary, boolean phraseGlance, int groundingChannels) {
    return new GcgConfig(
        "train-test",
        32,
        8,
        32,
        1,
        2,
        64,
        32,
        4,
        2,
        64,
        vocabulary,
        10000.0,
        1e-5,
        64,
        groundingChannels,
        4,
        16,
        false,
        phraseGlance,
        false,
        "describe the image .");
  }

  /** A one-sample batch with only caption targets; every other field empty. */
  static TrainingBatch captionBatch(
      int promptLength, int targetLength, long[] targets, float[] targetMask) {
    return new TrainingBatch(
        new ImageRgb[] {new ImageRgb(32, 32, new int[32 * 32])},
        new long[promptLength + targetLength],
        promptLength + targetLength,
        targets,
        targetMask,
        targetLength,
        new long[0],
        new long[0],
        new float[0],
        new float[0],
        new float[0],
        new float[0],
        new int[0],
        new long[0],
        new long[0],
        new int[0],
        new float[0],
        new long[0],
        new float[0]);
  }
}
