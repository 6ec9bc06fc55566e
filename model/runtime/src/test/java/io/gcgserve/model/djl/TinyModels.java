package io.gcgserve.model.djl;

import ai.djl.ndarray.NDManager;
import io.gcgserve.pruners.ImageRgb;
import java.util.List;
import java.util.SplittableRandom;

/** A small random-initialised model for fast tests. */
final class TinyModels {

  static final List<String> WORDS =
      List.of(
          "describe",
          "the",
          "image",
          "a",
          "red",
          "blue",
          "star",
          "circle",
          "on",
          "grass",
          "sky",
          "there",
          "is",
          "and",
          ",",
          ".",
          "with",
          "small",
          "large",
          "masks");

  private TinyModels() {}

  static GcgConfig config(int vocabSize) {
    return new GcgConfig(
        "tiny-test",
        64,
        8,
        32,
        1,
        2,
        64,
        32,
        4,
        2,
        64,
        vocabSize,
        10000.0,
        1e-5,
        256,
        8,
        4,
        16,
        false,
        false,
        false,
        "describe the image with masks .");
  }

  /** A random model with an 8x8 visual grid and 4 LLM layers. */
  static DjlGroundedCaptioner captioner(long seed) {
    GcgTokenizer tokenizer = GcgTokenizer.load(GcgTokenizer.buildTokenizerJson(WORDS));
    GcgConfig config = config(tokenizer.vocabularySize());
    NDManager manager = NDManager.newBaseManager();
    GcgNetwork network = GcgNetwork.initialize(config, manager, seed);
    return new DjlGroundedCaptioner(manager, network, tokenizer);
  }

  /** A noisy RGB image. */
  static ImageRgb image(int width, int height, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] rgb = new int[width * height];
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = random.nextInt(0x1000000);
    }
    return new ImageRgb(width, height, rgb);
  }
}
