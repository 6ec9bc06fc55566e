package io.gcgserve.eval.metrics;

import java.util.List;
import java.util.Objects;

/**
 * Everything the metrics need about one image: reference and predicted plain captions (markers
 * removed) and the reference and predicted phrase masks, each list in caption order.
 *
 * @param referenceCaption ground-truth caption
 * @param predictedCaption generated caption
 * @param reference ground-truth phrases with masks
 * @param predicted generated phrases with masks
 */
public record ImageEvaluation(
    String referenceCaption,
    String predictedCaption,
    List<LabeledMask> reference,
    List<LabeledMask> predicted) {

  /** Null checks and defensive copies. */
  public ImageEvaluation {
    Objects.requireNonNull(referenceCaption, "referenceCaption is null");
    Objects.requireNonNull(predictedCaption, "predictedCaption is null");
    reference = List.copyOf(reference);
    predicted = List.copyOf(predicted);
  }

  /**
   * IoU of every predicted mask (rows) with every reference mask (columns). Recomputed on each
   * call: AP50, mIoU, recall, attribute accuracy and the grounding errors each call it once per
   * image, which costs seconds for a 500-image table against minutes of generation.
   */
  public double[][] predictedByReferenceIou() {
    double[][] ious = new double[predicted.size()][reference.size()];
    for (int p = 0; p < predicted.size(); p++) {
      for (int r = 0; r < reference.size(); r++) {
        ious[p][r] = MaskIou.iou(predicted.get(p).pixels(), reference.get(r).pixels());
      }
    }
    return ious;
  }
}
