package io.gcgserve.eval.bench;

import io.gcgserve.model.djl.GcgConfig;

/**
 * Floating-point operations (2 per multiply-add) that our implementation performs in an unpruned
 * prefill: the vision encoder and projector, the LLM layers (with the full n x n attention that the
 * explicit-matmul implementation computes) and the grounding encoder. Used to turn a measured time
 * into achieved GFLOP/s; Eq. 5's ratio is reported separately.
 */
final class PrefillFlops {

  private PrefillFlops() {}

  static double total(GcgConfig config, int sequenceLength) {
    double n = config.visualTokens();
    double dv = config.visionHiddenSize();
    double patchInputs = config.patchSize() * config.patchSize() * 3.0;
    double vision =
        n * patchInputs * dv
            + config.visionLayers()
                * (n * (4 * dv * dv + 2 * dv * config.visionIntermediateSize()) + 2 * n * n * dv)
            + n * (dv * config.hiddenSize() + (double) config.hiddenSize() * config.hiddenSize());
    double t = sequenceLength;
    double d = config.hiddenSize();
    double m = config.intermediateSize();
    double llm = config.layers() * (t * (4 * d * d + 3 * d * m) + 2 * t * t * d);
    double size = config.imageSize();
    double c = config.groundingChannels();
    double grounding =
        (size / 2) * (size / 2) * 27 * 16
            + Math.pow(config.groundingSize(), 2) * (144 * c + 2 * 9 * c * c);
    return 2 * (vision + llm + grounding);
  }
}
