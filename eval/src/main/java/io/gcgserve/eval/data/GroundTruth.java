package io.gcgserve.eval.data;

import io.gcgserve.eval.metrics.LabeledMask;
import java.util.List;
import java.util.Objects;

/**
 * The reference annotation of one evaluation image.
 *
 * @param caption plain caption (no GCG markers)
 * @param phrases phrases with masks, in caption order
 */
public record GroundTruth(String caption, List<LabeledMask> phrases) {

  /** Null check and defensive copy. */
  public GroundTruth {
    Objects.requireNonNull(caption, "caption is null");
    phrases = List.copyOf(phrases);
  }
}
