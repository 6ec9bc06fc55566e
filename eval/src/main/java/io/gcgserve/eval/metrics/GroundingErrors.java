package io.gcgserve.eval.metrics;

import java.util.List;

/**
 * Where the predicted masks go, not part of GLaMM's metrics: per image, predicted and reference
 * masks are paired greedily by highest IoU ({@link MeanIou#greedyPairs}) while it is at least
 * {@link GroundedRecall#IOU_THRESHOLD}, each mask in at most one pair; every predicted mask left
 * unpaired is then a <em>duplicate</em> (its best IoU with some reference reaches the threshold,
 * but that object was already taken: one object segmented twice), a <em>near miss</em> (best IoU in
 * [{@link #NEAR_MISS_IOU}, threshold): the right object, drawn too loosely or too tightly) or a
 * <em>miss</em> (nothing there). Mask AP50 counts every unpaired mask as a false positive and every
 * unfound reference as a miss; this table says which kind of error costs it.
 *
 * @param predicted predicted masks
 * @param references reference masks
 * @param found pairs, that is references found
 * @param duplicates unpaired predictions on an object already found
 * @param nearMisses unpaired predictions of best IoU in [{@link #NEAR_MISS_IOU}, threshold)
 * @param misses unpaired predictions of best IoU below {@link #NEAR_MISS_IOU}
 */
public record GroundingErrors(
    int predicted, int references, int found, int duplicates, int nearMisses, int misses) {

  /** Lowest best-IoU of a near miss. */
  public static final double NEAR_MISS_IOU = 0.25;

  /** Checks that the counts add up. */
  public GroundingErrors {
    if (found + duplicates + nearMisses + misses != predicted || found > references) {
      throw new IllegalArgumentException("grounding error counts do not add up");
    }
  }

  /** Counts over {@code images}. */
  public static GroundingErrors of(List<ImageEvaluation> images) {
    int predicted = 0;
    int references = 0;
    int found = 0;
    int duplicates = 0;
    int nearMisses = 0;
    int misses = 0;
    for (ImageEvaluation image : images) {
      double[][] ious = image.predictedByReferenceIou();
      int columns = image.reference().size();
      predicted += ious.length;
      references += columns;
      boolean[] paired = new boolean[ious.length];
      for (int[] pair : MeanIou.greedyPairs(ious, columns, GroundedRecall.IOU_THRESHOLD)) {
        paired[pair[0]] = true;
        found++;
      }
      for (int row = 0; row < ious.length; row++) {
        if (paired[row]) {
          continue;
        }
        double best = 0;
        for (int column = 0; column < columns; column++) {
          best = Math.max(best, ious[row][column]);
        }
        if (best >= GroundedRecall.IOU_THRESHOLD) {
          duplicates++;
        } else if (best >= NEAR_MISS_IOU) {
          nearMisses++;
        } else {
          misses++;
        }
      }
    }
    return new GroundingErrors(predicted, references, found, duplicates, nearMisses, misses);
  }
}
