package io.gcgserve.eval.metrics;

import java.util.List;

/**
 * GLaMM's mask mIoU: per image, repeatedly pair the predicted and reference masks of highest IoU
 * (first maximum in row-major order on ties) while that IoU is above 0, and average the paired
 * IoUs; an image with no pair scores 0; the result is the mean over images.
 */
public final class MeanIou {

  private MeanIou() {}

  /** Mean over images of the per-image mean paired IoU, in [0, 1]; NaN for no images. */
  public static double of(List<ImageEvaluation> images) {
    if (images.isEmpty()) {
      return Double.NaN;
    }
    double sum = 0;
    for (ImageEvaluation image : images) {
      sum += image(image.predictedByReferenceIou());
    }
    return sum / images.size();
  }

  /** The mean paired IoU of one image's IoU matrix (rows predicted, columns reference). */
  public static double image(double[][] ious) {
    int rows = ious.length;
    int columns = rows == 0 ? 0 : ious[0].length;
    boolean[] rowUsed = new boolean[rows];
    boolean[] columnUsed = new boolean[columns];
    double sum = 0;
    int pairs = 0;
    while (true) {
      double best = 0;
      int bestRow = -1;
      int bestColumn = -1;
      for (int r = 0; r < rows; r++) {
        if (rowUsed[r]) {
          continue;
        }
        for (int c = 0; c < columns; c++) {
          if (!columnUsed[c] && ious[r][c] > best) {
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
      sum += best;
      pairs++;
    }
    return pairs == 0 ? 0.0 : sum / pairs;
  }
}
