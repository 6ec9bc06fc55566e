package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.pruners.ImageRgb;
import org.jspecify.annotations.Nullable;

/**
 * One request's mask decoder and phrase glance: the two per-image arrays they read (the projected
 * image and the grounding features, kept in the session's manager) and the one-region-per-phrase
 * bookkeeping. Results are created in the manager of the state they are given.
 */
final class GroundingHeads {

  private final GcgNetwork network;
  private final GcgConfig config;
  private final ImageRgb image;

  /** Non-null when the model's masks are cut to one region per phrase. */
  private final Masks.@Nullable OneRegionPerPhrase oneRegionPerPhrase;

  /** The projected image {@code (1, G*G + N, H)} that every mask decode reads. */
  private final NDArray pixelQueries;

  /** One image's grounding features {@code (C+10, G, G)}, read by the phrase glance. */
  private final NDArray groundingFeatures;

  GroundingHeads(
      GcgNetwork network, ImageRgb image, NDArray pixelQueries, NDArray groundingFeatures) {
    this.network = network;
    this.config = network.config();
    this.image = image;
    this.pixelQueries = pixelQueries;
    this.groundingFeatures = groundingFeatures;
    this.oneRegionPerPhrase =
        config.singleRegionMasks() ? new Masks.OneRegionPerPhrase(config.groundingSize()) : null;
  }

  /** The mask of a fed {@code [SEG]}'s final-normed state {@code (1, 1, d)}, at image size. */
  BinaryMask mask(NDArray normed) {
    float[] maskLogits = maskLogits(normed);
    float[] logits = oneRegionPerPhrase == null ? maskLogits : oneRegionPerPhrase.keep(maskLogits);
    return Masks.upsample(logits, config.groundingSize(), image.width(), image.height());
  }

  /**
   * The phrase glance of an in-phrase state {@code (1, 1, d)}: its mask gives the box the glance
   * reads, cut, when masks keep one region, to one region among the cells no earlier phrase took
   * ({@link Masks.OneRegionPerPhrase#peekUnclaimed}); a mask with no cell above 0 gives the whole
   * image.
   */
  NDArray glance(NDArray normed) {
    int size = config.groundingSize();
    float[] logits = maskLogits(normed);
    if (oneRegionPerPhrase != null) {
      logits = oneRegionPerPhrase.peekUnclaimed(logits);
    }
    float[] box = PhraseGlance.box(logits, size);
    if (box == null) {
      box = new float[] {0, 0, size, size};
    }
    return network
        .glance(normed.getManager(), box, groundingFeatures)
        .reshape(1, 1, config.hiddenSize());
  }

  /** The mask logits of a final-normed state {@code (1, 1, d)} over the grounding grid. */
  private float[] maskLogits(NDArray normed) {
    return network.maskLogits(normed.reshape(1, config.hiddenSize()), pixelQueries).toFloatArray();
  }
}
