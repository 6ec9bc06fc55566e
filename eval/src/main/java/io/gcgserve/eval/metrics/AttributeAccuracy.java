package io.gcgserve.eval.metrics;

import java.util.List;
import java.util.Optional;

/**
 * Which attributes of a grounded phrase a model names correctly, not part of GLaMM's metrics: per
 * image, predicted and reference masks are paired greedily by highest IoU ({@link
 * MeanIou#greedyPairs}), keeping pairs of IoU at least {@link GroundedRecall#IOU_THRESHOLD}; of the
 * pairs whose two phrases both parse under the schema, the share that agree on each attribute.
 * Recall and AP50 count a phrase as right or wrong as a whole; this table says why one is wrong (a
 * model that localises and colours objects correctly but names shapes at chance scores well on mIoU
 * and badly on both).
 *
 * @param names attribute names
 * @param correct per attribute, the pairs that agree on it
 * @param pairs IoU-matched pairs whose phrases both parse
 */
public record AttributeAccuracy(List<String> names, int[] correct, int pairs) {

  /** Defensive copies. */
  public AttributeAccuracy {
    names = List.copyOf(names);
    correct = correct.clone();
    if (correct.length != names.size()) {
      throw new IllegalArgumentException("one count per attribute");
    }
  }

  /** Share of pairs agreeing on attribute {@code index}, in [0, 1]; NaN without pairs. */
  public double accuracy(int index) {
    return pairs == 0 ? Double.NaN : (double) correct[index] / pairs;
  }

  /** Scores {@code images} under {@code schema}. */
  public static AttributeAccuracy of(List<ImageEvaluation> images, PhraseAttributes schema) {
    int[] correct = new int[schema.names().size()];
    int pairs = 0;
    for (ImageEvaluation image : images) {
      double[][] ious = image.predictedByReferenceIou();
      for (int[] pair :
          MeanIou.greedyPairs(ious, image.reference().size(), GroundedRecall.IOU_THRESHOLD)) {
        Optional<List<String>> predicted = schema.parse(image.predicted().get(pair[0]).phrase());
        Optional<List<String>> reference = schema.parse(image.reference().get(pair[1]).phrase());
        if (predicted.isPresent() && reference.isPresent()) {
          pairs++;
          for (int a = 0; a < correct.length; a++) {
            if (predicted.get().get(a).equals(reference.get().get(a))) {
              correct[a]++;
            }
          }
        }
      }
    }
    return new AttributeAccuracy(schema.names(), correct, pairs);
  }
}
