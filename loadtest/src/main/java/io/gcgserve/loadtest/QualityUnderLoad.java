package io.gcgserve.loadtest;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gcgserve.eval.ab.ArmSample;
import io.gcgserve.eval.ab.MetricInfo;
import io.gcgserve.eval.ab.QualityFigures;
import io.gcgserve.eval.ab.QualityScoring;
import io.gcgserve.server.accesslog.AccessLogEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Quality under load: the captions and masks received, scored against a GranDf ground truth with
 * the A/B report's scoring ({@link QualityScoring}: AP50, mIoU and grounded recall in points, each
 * with its bootstrap interval over images). A received caption becomes the access-log line the
 * server would have written for it, matched to its ground-truth image by the image's SHA-256. Each
 * group's first OK caption of an image is scored; repeats are counted, not scored again.
 */
final class QualityUnderLoad {

  /** Bootstrap resamples of the quality intervals. */
  static final int RESAMPLES = 1000;

  private QualityUnderLoad() {}

  /**
   * Scores {@code records} grouped by configuration and by arm.
   *
   * @param masks each OK request's masks by plan index
   * @param shaByImage each image name's SHA-256
   */
  static ObjectNode score(
      Path groundTruth,
      List<RequestRecord> records,
      Map<Integer, List<AccessLogEntry.PhraseMask>> masks,
      Map<String, String> shaByImage,
      long seed)
      throws IOException {
    QualityScoring scoring = QualityScoring.open(groundTruth, message -> {});
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("ground_truth", groundTruth.toString());
    root.put("images", scoring.images());
    for (Map.Entry<String, Function<RequestRecord, String>> dimension :
        List.of(
            Map.<String, Function<RequestRecord, String>>entry("config", RequestRecord::config),
            Map.<String, Function<RequestRecord, String>>entry("arm", RequestRecord::arm))) {
      ObjectNode groups = root.putObject("by_" + dimension.getKey());
      for (Map.Entry<String, List<RequestRecord>> group :
          Summary.group(records, dimension.getValue()).entrySet()) {
        List<AccessLogEntry> entries = new ArrayList<>();
        for (RequestRecord record : group.getValue()) {
          if (record.ok()) {
            entries.add(entry(record, masks.getOrDefault(record.index(), List.of()), shaByImage));
          }
        }
        QualityFigures figures =
            scoring.score(new ArmSample(group.getKey(), entries), RESAMPLES, seed);
        groups.set(group.getKey(), json(figures));
      }
    }
    return root;
  }

  private static ObjectNode json(QualityFigures figures) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("images_scored", figures.images());
    for (int i = 0; i < QualityScoring.METRICS.size(); i++) {
      MetricInfo metric = QualityScoring.METRICS.get(i);
      double[] interval = figures.interval(i);
      ObjectNode value = node.putObject(metric.key());
      value.put("value", Figures.round(figures.values()[i]));
      value.put("low", Figures.round(interval[0]));
      value.put("high", Figures.round(interval[1]));
    }
    node.put("repeats_not_scored", figures.coverage().repeats());
    node.put("unmatched", figures.coverage().unmatched());
    return node;
  }

  /** The access-log line the server would have written for this caption. */
  private static AccessLogEntry entry(
      RequestRecord record, List<AccessLogEntry.PhraseMask> masks, Map<String, String> shaByImage) {
    ServerFigures server = record.server();
    return new AccessLogEntry(
        AccessLogEntry.SCHEMA,
        server.requestId() == null ? "loadtest-" + record.index() : server.requestId(),
        "",
        "",
        server.experiment(),
        record.arm(),
        null,
        null,
        null,
        server.pruner() == null ? record.pruner() : server.pruner(),
        Map.of(),
        shaByImage.get(record.image()),
        server.visualTokensTotal(),
        server.visualTokensKept(),
        server.flopsRatio(),
        server.queueMs(),
        server.prefillMs(),
        server.decodeMs(),
        server.ttftMs(),
        record.e2eSentMs(),
        record.tokens(),
        record.phrases(),
        ArmSample.OK,
        null,
        record.caption(),
        masks,
        null);
  }
}
