package io.gcgserve.eval.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * COCO segmentation average precision at IoU 0.5 over one class, every predicted mask scored 1, as
 * GLaMM computes its AP50 with {@code COCOeval(..., "segm")} ({@code stats[1]}: area "all", maxDets
 * 100).
 *
 * <p>The COCOeval rules kept here: per image, detections in their given order (a stable sort by
 * equal scores keeps it) and at most 100; each detection takes the not-yet-matched ground truth of
 * highest IoU that is at least 0.5, a later ground truth winning a tie; across images detections
 * are ranked image by image (stable sort of equal scores); precision is made monotone from the
 * right and read at the 101 recall thresholds {@code 0, 0.01, ..., 1} (first rank whose recall
 * reaches the threshold, 0 where none does); AP is their mean. Without any ground truth the AP is
 * undefined and reported as NaN (COCO's -1).
 */
public final class MaskAp {

  /** COCOeval's {@code maxDets[-1]}. */
  public static final int MAX_DETECTIONS = 100;

  private static final int RECALL_THRESHOLDS = 101;

  private MaskAp() {}

  /** AP at IoU 0.5 over {@code images}, in [0, 1], NaN when no image has a reference mask. */
  public static double ap50(List<ImageEvaluation> images) {
    return averagePrecision(images, 0.5);
  }

  /** AP at one IoU threshold. */
  public static double averagePrecision(List<ImageEvaluation> images, double iouThreshold) {
    List<boolean[]> truePositives = new ArrayList<>();
    int references = 0;
    for (ImageEvaluation image : images) {
      references += image.reference().size();
      truePositives.add(
          truePositives(image.predictedByReferenceIou(), image.reference().size(), iouThreshold));
    }
    return averagePrecision(truePositives, references);
  }

  /**
   * COCO's matching within one image: for each of its first {@link #MAX_DETECTIONS} detections in
   * order, whether it took a not-yet-matched reference of IoU at least {@code iouThreshold}.
   *
   * @param predictedByReferenceIou {@link ImageEvaluation#predictedByReferenceIou()}
   * @param references the image's number of reference masks (the matrix's columns)
   */
  public static boolean[] truePositives(
      double[][] predictedByReferenceIou, int references, double iouThreshold) {
    boolean[] referenceMatched = new boolean[references];
    int count = Math.min(MAX_DETECTIONS, predictedByReferenceIou.length);
    boolean[] truePositive = new boolean[count];
    for (int d = 0; d < count; d++) {
      double best = Math.min(iouThreshold, 1 - 1e-10);
      int match = -1;
      for (int g = 0; g < references; g++) {
        if (referenceMatched[g] || predictedByReferenceIou[d][g] < best) {
          continue;
        }
        best = predictedByReferenceIou[d][g];
        match = g;
      }
      if (match >= 0) {
        referenceMatched[match] = true;
        truePositive[d] = true;
      }
    }
    return truePositive;
  }

  /**
   * AP from each image's {@link #truePositives} flags, the images in rank order (each image's
   * detections ranked after the previous image's), over {@code references} reference masks in all;
   * NaN when there are none.
   */
  public static double averagePrecision(List<boolean[]> truePositives, int references) {
    if (references == 0) {
      return Double.NaN;
    }
    int detections = 0;
    for (boolean[] flags : truePositives) {
      detections += flags.length;
    }
    double[] precision = new double[detections];
    double[] recall = new double[detections];
    int tp = 0;
    int fp = 0;
    int rank = 0;
    for (boolean[] flags : truePositives) {
      for (boolean flag : flags) {
        if (flag) {
          tp++;
        } else {
          fp++;
        }
        recall[rank] = (double) tp / references;
        precision[rank] = tp / (tp + fp + Math.ulp(1.0));
        rank++;
      }
    }
    return interpolatedMean(precision, recall);
  }

  private static double interpolatedMean(double[] precision, double[] recall) {
    int detections = precision.length;
    for (int i = detections - 1; i > 0; i--) {
      if (precision[i] > precision[i - 1]) {
        precision[i - 1] = precision[i];
      }
    }
    double sum = 0;
    int position = 0;
    for (int t = 0; t < RECALL_THRESHOLDS; t++) {
      double threshold = t * (1.0 / (RECALL_THRESHOLDS - 1)); // numpy.linspace's arithmetic
      while (position < detections && recall[position] < threshold) {
        position++;
      }
      if (position < detections) {
        sum += precision[position];
      }
    }
    return sum / RECALL_THRESHOLDS;
  }
}
