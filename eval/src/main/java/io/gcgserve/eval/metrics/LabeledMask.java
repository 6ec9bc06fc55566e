package io.gcgserve.eval.metrics;

import java.util.BitSet;
import java.util.Objects;

/**
 * A phrase and its mask's foreground pixels (row-major indices of one image's pixel grid).
 *
 * @param phrase the phrase text, e.g. {@code small red star}
 * @param pixels foreground pixel indices; not copied, treat as immutable
 */
public record LabeledMask(String phrase, BitSet pixels) {

  /** Null checks. */
  public LabeledMask {
    Objects.requireNonNull(phrase, "phrase is null");
    Objects.requireNonNull(pixels, "pixels is null");
  }
}
