package io.gcgserve.eval.metrics;

import java.util.List;
import java.util.Optional;

/**
 * Which attributes of a grounded phrase a model names correctly, not part of GLaMM's metrics: per
 * image, predicted and reference masks are paired greedily by highest IoU (as in {@link MeanIou}),
 * keeping pairs of IoU at least {@link GroundedRecall#IOU_THRESHOLD}; of the pairs whose two
 * phrases both parse under the schema, the share that agree on each attribute. Recall and AP50
 * count a phrase as right or wrong as a whole; this table says why one is wrong (a model that
 * localises and colours objects correctly but names shapes at chance scores well on mIoU and badly
 * on both).
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
      int rows = ious.length;
      int columns = image.reference().size();
      boolean[] rowUsed = new boolean[rows];
      boolean[] columnUsed = new boolean[columns];
      while (true) {
        double best = GroundedRecall.IOU_THRESHOLD;
        int bestRow = -1;
        int bestColumn = -1;
        for (int r = 0; r < rows; r++) {
          for (int c = 0; c < columns && !rowUsed[r]; c++) {
            if (!columnUsed[c] && ious[r][c] >= best && (bestRow < 0 || ious[r][c] > best)) {
              best = ious[r][c];
              bestRow = r;
              bestColumn = c;
            }
          }
        }
        if (bestRow < 0) {
          break;
        }
        rowUsed[bestRow] = true;
        columnUsed[bestColumn] = true;
        Optional<List<String>> predicted = schema.parse(image.predicted().get(bestRow).phrase());
        Optional<List<String>> reference = schema.parse(image.reference().get(bestColumn).phrase());
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
