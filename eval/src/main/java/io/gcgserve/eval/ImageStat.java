package io.gcgserve.eval;

import io.gcgserve.eval.metrics.GroundedRecall;
import io.gcgserve.eval.metrics.ImageEvaluation;
import io.gcgserve.eval.metrics.MaskAp;
import io.gcgserve.eval.metrics.MeanIou;

/**
 * One image's share of AP50, mIoU and recall, computed once so that a bootstrap resample only adds
 * them up.
 *
 * @param truePositives COCO matching of the image's detections at IoU 0.5, in generation order
 * @param references the image's reference masks
 * @param meanIou the image's mean paired IoU (GLaMM's per-image mIoU)
 * @param matched the image's grounded-recall matches
 */
public record ImageStat(boolean[] truePositives, int references, double meanIou, int matched) {

  /** Copies the flags. */
  public ImageStat {
    truePositives = truePositives.clone();
  }

  /** The figures of {@code image}. */
  public static ImageStat of(ImageEvaluation image, GroundedRecall recall) {
    double[][] ious = image.predictedByReferenceIou();
    int references = image.reference().size();
    return new ImageStat(
        MaskAp.truePositives(ious, references, 0.5),
        references,
        MeanIou.image(ious),
        recall.matches(image));
  }

  @Override
  public boolean[] truePositives() {
    return truePositives.clone();
  }
}
