package io.gcgserve.eval.metrics;

import java.util.BitSet;

/** Intersection over union of two binary masks given as pixel sets. */
public final class MaskIou {

  private MaskIou() {}

  /** |a ∩ b| / |a ∪ b|; 0 when both masks are empty (pycocotools gives 0 there as well). */
  public static double iou(BitSet a, BitSet b) {
    BitSet intersection = (BitSet) a.clone();
    intersection.and(b);
    int both = intersection.cardinality();
    int union = a.cardinality() + b.cardinality() - both;
    return union == 0 ? 0.0 : (double) both / union;
  }
}
