package io.gcgserve.eval.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * The five GCG figures of one configuration, each in pycocotools/pycocoevalcap units (fractions in
 * [0, 1]; CIDEr on its own scale where 1.0 is good). Papers print all of them times 100.
 *
 * @param meteorExact METEOR with exact matching only
 * @param cider CIDEr-D
 * @param ap50 mask AP at IoU 0.5
 * @param meanIou mask mIoU
 * @param recall grounded mask recall
 * @param images number of images scored
 */
public record GcgScores(
    double meteorExact, double cider, double ap50, double meanIou, double recall, int images) {

  /** Scores {@code images} with the given phrase similarity for recall. */
  public static GcgScores of(List<ImageEvaluation> images, PhraseSimilarity similarity) {
    List<List<String>> candidates = new ArrayList<>();
    List<List<List<String>>> references = new ArrayList<>();
    for (ImageEvaluation image : images) {
      candidates.add(CaptionTokens.of(image.predictedCaption()));
      references.add(List.of(CaptionTokens.of(image.referenceCaption())));
    }
    return new GcgScores(
        MeteorExact.score(candidates, references),
        CiderD.score(candidates, references),
        MaskAp.ap50(images),
        MeanIou.of(images),
        new GroundedRecall(similarity).of(images),
        images.size());
  }
}
