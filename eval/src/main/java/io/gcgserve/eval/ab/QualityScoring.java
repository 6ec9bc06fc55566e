package io.gcgserve.eval.ab;

import io.gcgserve.eval.data.GranDfEvalDataset;
import io.gcgserve.eval.data.GroundTruth;
import io.gcgserve.eval.metrics.CaptionTokens;
import io.gcgserve.eval.metrics.GroundedRecall;
import io.gcgserve.eval.metrics.ImageEvaluation;
import io.gcgserve.eval.metrics.LabeledMask;
import io.gcgserve.eval.metrics.MaskAp;
import io.gcgserve.eval.metrics.MeanIou;
import io.gcgserve.eval.metrics.PhraseSimilarity;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.mask.CocoRle;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.server.accesslog.AccessLogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Scores each arm's captions against a GranDf-format ground truth: a log line is matched to an
 * image by the SHA-256 of the image file's bytes ({@code image_sha256}), and each arm's first OK
 * line with a caption and masks for an image is that arm's prediction for it (later lines for the
 * same image are counted as repeats and not scored again). AP50, mIoU and grounded recall are
 * eval's GCG metrics ({@link MaskAp}, {@link MeanIou}, {@link GroundedRecall} with {@link
 * PhraseSimilarity#bigramDice()}), each in points (×100), with bootstrap intervals over each arm's
 * images.
 */
public final class QualityScoring {

  /** The quality metrics, in report order. */
  public static final List<MetricInfo> METRICS =
      List.of(
          new MetricInfo("ap50", "mask AP50", "points", false, "better", "worse", 1),
          new MetricInfo("miou", "mask mIoU", "points", false, "better", "worse", 1),
          new MetricInfo("recall", "grounded recall", "points", false, "better", "worse", 1));

  private final GranDfEvalDataset dataset;
  private final Map<String, Integer> imagesByHash;
  private final GroundedRecall recall = new GroundedRecall(PhraseSimilarity.bigramDice());

  private QualityScoring(GranDfEvalDataset dataset, Map<String, Integer> imagesByHash) {
    this.dataset = dataset;
    this.imagesByHash = imagesByHash;
  }

  /** Opens {@code directory} and hashes its image files. */
  public static QualityScoring open(Path directory, Consumer<String> progress) throws IOException {
    GranDfEvalDataset dataset = new GranDfEvalDataset(directory, Integer.MAX_VALUE);
    progress.accept("hashing " + dataset.size() + " ground-truth images");
    Map<String, Integer> byHash = new HashMap<>();
    for (int index = 0; index < dataset.size(); index++) {
      byHash.putIfAbsent(sha256(Files.readAllBytes(dataset.imageFile(index))), index);
    }
    return new QualityScoring(dataset, byHash);
  }

  /** Lowercase hex SHA-256 of {@code bytes}, as the access log writes {@code image_sha256}. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Number of ground-truth images. */
  public int images() {
    return dataset.size();
  }

  /** Scores one arm: per-image figures, then the metrics with their bootstrap replicates. */
  public QualityFigures score(ArmSample arm, int resamples, long seed) throws IOException {
    List<ImageScore> scores = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    int unmatched = 0;
    int withoutCaptions = 0;
    int repeats = 0;
    int sizeMismatches = 0;
    for (AccessLogEntry entry : arm.entries()) {
      if (!ArmSample.OK.equals(entry.status())) {
        continue;
      }
      Integer index = entry.imageSha256() == null ? null : imagesByHash.get(entry.imageSha256());
      if (index == null) {
        unmatched++;
        continue;
      }
      List<AccessLogEntry.PhraseMask> masks = entry.masks();
      String caption = entry.caption();
      if (caption == null || masks == null) {
        withoutCaptions++;
        continue;
      }
      if (!seen.add(index)) {
        repeats++;
        continue;
      }
      GroundTruth truth = dataset.truth(index);
      ImageRgb image = dataset.image(index);
      List<LabeledMask> predicted = decode(masks, image.width(), image.height());
      if (predicted == null) {
        sizeMismatches++;
        continue;
      }
      scores.add(
          score(
              new ImageEvaluation(
                  truth.caption(), CaptionTokens.plain(caption), truth.phrases(), predicted)));
    }
    return QualityFigures.of(
        arm.name(),
        scores,
        new QualityFigures.Coverage(unmatched, withoutCaptions, repeats, sizeMismatches),
        resamples,
        seed);
  }

  /** The masks as pixel sets, or null when one is not of the image's size. */
  private static @Nullable List<LabeledMask> decode(
      List<AccessLogEntry.PhraseMask> masks, int width, int height) {
    List<LabeledMask> predicted = new ArrayList<>();
    for (AccessLogEntry.PhraseMask mask : masks) {
      if (mask.size().get(0) != height || mask.size().get(1) != width) {
        return null;
      }
      BinaryMask decoded = CocoRle.fromCompressedString(height, width, mask.counts()).decode(1f);
      predicted.add(new LabeledMask(mask.phrase(), decoded.pixels()));
    }
    return predicted;
  }

  private ImageScore score(ImageEvaluation image) {
    double[][] ious = image.predictedByReferenceIou();
    int references = image.reference().size();
    return new ImageScore(
        MaskAp.truePositives(ious, references, 0.5),
        references,
        MeanIou.image(ious),
        recall.matches(image));
  }

  /**
   * One image's share of each metric, computed once so a resample only adds them up.
   *
   * @param truePositives COCO matching of the image's detections at IoU 0.5
   * @param references the image's reference masks
   * @param meanIou the image's mean paired IoU
   * @param matched the image's grounded-recall matches
   */
  record ImageScore(boolean[] truePositives, int references, double meanIou, int matched) {}
}
