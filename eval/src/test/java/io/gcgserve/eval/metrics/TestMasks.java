package io.gcgserve.eval.metrics;

import java.util.BitSet;

/** Masks for metric tests: a phrase over a run of pixel indices. */
final class TestMasks {

  private TestMasks() {}

  /** A mask of {@code phrase} covering pixels {@code [from, to)}. */
  static LabeledMask mask(String phrase, int from, int to) {
    BitSet pixels = new BitSet();
    pixels.set(from, to);
    return new LabeledMask(phrase, pixels);
  }
}
