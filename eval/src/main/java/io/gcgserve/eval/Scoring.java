package io.gcgserve.eval;

import io.gcgserve.eval.data.CocoImageId;
import io.gcgserve.eval.data.EvalDataset;
import io.gcgserve.eval.data.GroundTruth;
import io.gcgserve.eval.metrics.AttributeAccuracy;
import io.gcgserve.eval.metrics.CaptionTokens;
import io.gcgserve.eval.metrics.GcgScores;
import io.gcgserve.eval.metrics.GroundedRecall;
import io.gcgserve.eval.metrics.GroundingErrors;
import io.gcgserve.eval.metrics.ImageEvaluation;
import io.gcgserve.eval.metrics.PhraseSimilarity;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Scores stored predictions against the dataset's ground truth, one configuration at a time. */
public final class Scoring {

  private final EvalDataset dataset;
  private final List<GroundTruth> truths;
  private final PhraseSimilarity similarity;
  private final int[] cocoOrder;

  /** Reads every annotation of {@code dataset} once. */
  public Scoring(EvalDataset dataset, PhraseSimilarity similarity) throws IOException {
    this.dataset = dataset;
    this.similarity = similarity;
    this.truths = new ArrayList<>();
    List<CocoImageId> ids = new ArrayList<>();
    for (int index = 0; index < dataset.size(); index++) {
      truths.add(dataset.truth(index));
      ids.add(dataset.cocoImageId(index));
    }
    this.cocoOrder = CocoImageId.cocoOrder(ids);
  }

  /**
   * Dataset indices in COCOeval's image order (sorted by image id), the order in which AP50 ranks
   * detections across images and in which {@link ConfigurationResult#perImage()} lists them.
   */
  public int[] cocoOrder() {
    return cocoOrder.clone();
  }

  /**
   * Scores one configuration over every image of the dataset, the images in COCOeval's order (by
   * image id) so that AP50 ranks detections across images as COCOeval does.
   *
   * @throws IllegalStateException when an image has no stored prediction
   */
  public ConfigurationResult score(Configuration configuration, ResultLog log) {
    List<ImageEvaluation> images = new ArrayList<>();
    double flops = 0;
    double kept = 0;
    double prefill = 0;
    double decode = 0;
    List<ImageStat> perImage = new ArrayList<>();
    GroundedRecall recall = new GroundedRecall(similarity);
    for (int index : cocoOrder) {
      PredictionRecord record = log.get(configuration.id(), dataset.id(index));
      if (record == null) {
        throw new IllegalStateException(
            configuration.id() + " has no prediction for " + dataset.id(index));
      }
      GroundTruth truth = truths.get(index);
      ImageEvaluation image =
          new ImageEvaluation(
              truth.caption(),
              CaptionTokens.plain(record.caption()),
              truth.phrases(),
              record.phrases());
      images.add(image);
      perImage.add(ImageStat.of(image, recall));
      flops += record.flopsRatio();
      kept += record.visualTokensKept();
      prefill += record.prefillMillis();
      decode += record.decodeMillis();
    }
    int count = Math.max(1, dataset.size());
    return new ConfigurationResult(
        configuration,
        GcgScores.of(images, similarity),
        flops / count,
        kept / count,
        prefill / count,
        decode / count,
        GroundingErrors.of(images),
        dataset.phraseAttributes().map(schema -> AttributeAccuracy.of(images, schema)),
        perImage);
  }
}
