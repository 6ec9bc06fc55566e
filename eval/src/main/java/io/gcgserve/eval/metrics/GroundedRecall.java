package io.gcgserve.eval.metrics;

import java.util.List;
import java.util.Objects;

/**
 * GLaMM's grounded mask recall: per image, repeatedly take the reference/predicted pair of highest
 * mask IoU (first maximum, reference-major, on ties); stop as soon as that pair's IoU is below 0.5
 * or its phrase similarity is below 0.5, otherwise count it and remove both; recall is matched
 * pairs over all reference phrases of all images.
 */
public final class GroundedRecall {

  /** GLaMM's IoU threshold. */
  public static final double IOU_THRESHOLD = 0.5;

  /** GLaMM's phrase-similarity threshold. */
  public static final double SIMILARITY_THRESHOLD = 0.5;

  private final PhraseSimilarity similarity;

  /** Recall with the given phrase similarity. */
  public GroundedRecall(PhraseSimilarity similarity) {
    this.similarity = Objects.requireNonNull(similarity, "similarity is null");
  }

  /** Recall over {@code images} in [0, 1]; NaN without any reference phrase. */
  public double of(List<ImageEvaluation> images) {
    int matched = 0;
    int references = 0;
    for (ImageEvaluation image : images) {
      references += image.reference().size();
      matched += matches(image);
    }
    return references == 0 ? Double.NaN : (double) matched / references;
  }

  /** Number of admissible pairs in one image. */
  public int matches(ImageEvaluation image) {
    double[][] predictedByReference = image.predictedByReferenceIou();
    int references = image.reference().size();
    int predictions = image.predicted().size();
    double[][] ious = new double[references][predictions];
    double[][] similarities = new double[references][predictions];
    for (int r = 0; r < references; r++) {
      for (int p = 0; p < predictions; p++) {
        ious[r][p] = predictedByReference[p][r];
        similarities[r][p] =
            similarity.similarity(
                image.reference().get(r).phrase(), image.predicted().get(p).phrase());
      }
    }
    int matched = 0;
    while (references > 0 && predictions > 0) {
      int bestReference = 0;
      int bestPrediction = 0;
      for (int r = 0; r < references; r++) {
        for (int p = 0; p < predictions; p++) {
          if (ious[r][p] > ious[bestReference][bestPrediction]) {
            bestReference = r;
            bestPrediction = p;
          }
        }
      }
      if (ious[bestReference][bestPrediction] < IOU_THRESHOLD
          || similarities[bestReference][bestPrediction] < SIMILARITY_THRESHOLD) {
        break;
      }
      matched++;
      for (int p = 0; p < predictions; p++) {
        ious[bestReference][p] = 0;
        similarities[bestReference][p] = 0;
      }
      for (int r = 0; r < references; r++) {
        ious[r][bestPrediction] = 0;
        similarities[r][bestPrediction] = 0;
      }
    }
    return matched;
  }
}
