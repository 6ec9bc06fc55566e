package io.gcgserve.eval.metrics;

import java.util.ArrayList;
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
    int columns = ious.length == 0 ? 0 : ious[0].length;
    double sum = 0;
    List<int[]> pairs = greedyPairs(ious, columns, Double.MIN_VALUE);
    for (int[] pair : pairs) {
      sum += ious[pair[0]][pair[1]];
    }
    return pairs.isEmpty() ? 0.0 : sum / pairs.size();
  }

  /**
   * GLaMM's greedy pairing: repeatedly take the unused (predicted row, reference column) pair of
   * highest IoU, the first maximum in row-major order on ties, while that IoU is at least {@code
   * minimum}; each row and column is used once.
   *
   * @return the pairs {@code {row, column}} in the order taken
   */
  static List<int[]> greedyPairs(double[][] ious, int columns, double minimum) {
    int rows = ious.length;
    boolean[] rowUsed = new boolean[rows];
    boolean[] columnUsed = new boolean[columns];
    List<int[]> pairs = new ArrayList<>();
    while (true) {
      int bestRow = -1;
      int bestColumn = -1;
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < columns && !rowUsed[r]; c++) {
          if (!columnUsed[c]
              && ious[r][c] >= minimum
              && (bestRow < 0 || ious[r][c] > ious[bestRow][bestColumn])) {
            bestRow = r;
            bestColumn = c;
          }
        }
      }
      if (bestRow < 0) {
        return pairs;
      }
      rowUsed[bestRow] = true;
      columnUsed[bestColumn] = true;
      pairs.add(new int[] {bestRow, bestColumn});
    }
  }
}
