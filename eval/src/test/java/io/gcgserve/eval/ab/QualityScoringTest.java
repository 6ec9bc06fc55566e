package io.gcgserve.eval.ab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gcgserve.model.data.GranDfDataset;
import io.gcgserve.model.data.GranDfRecord;
import io.gcgserve.model.data.GranDfWriter;
import io.gcgserve.model.data.Grounding;
import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.Split;
import io.gcgserve.model.mask.CocoRle;
import io.gcgserve.server.accesslog.AccessLogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QualityScoringTest {

  private static final int IMAGES = 4;

  @TempDir Path directory;

  private Path groundTruth;
  private GranDfDataset dataset;

  @BeforeEach
  void writeSplit() throws IOException {
    groundTruth = directory.resolve("val");
    SceneGenerator generator = new SceneGenerator(7, 64);
    try (GranDfWriter writer = new GranDfWriter(groundTruth)) {
      for (int index = 0; index < IMAGES; index++) {
        writer.add(GranDfWriter.fileName(Split.VAL, index), generator.generate(Split.VAL, index));
      }
    }
    dataset = GranDfDataset.open(groundTruth);
  }

  private String sha(GranDfRecord record) throws IOException {
    return QualityScoring.sha256(Files.readAllBytes(dataset.imageFile(record)));
  }

  private static List<AccessLogEntry.PhraseMask> masks(GranDfRecord record) {
    List<AccessLogEntry.PhraseMask> masks = new ArrayList<>();
    for (Grounding grounding : record.groundings()) {
      CocoRle rle = CocoRle.encode(grounding.mask());
      masks.add(
          new AccessLogEntry.PhraseMask(
              grounding.phrase(), List.of(rle.height(), rle.width()), rle.toCompressedString()));
    }
    return masks;
  }

  /** Arm "perfect" answers the ground truth, arm "empty" the caption without any mask. */
  private LogReading perfectAndEmptyLog(boolean withCaptions) throws IOException {
    LogLines lines = new LogLines();
    for (GranDfRecord record : dataset.records()) {
      String caption = withCaptions ? record.markedCaption() : null;
      lines.captioned("empty", sha(record), caption, withCaptions ? List.of() : null);
      lines.captioned("perfect", sha(record), caption, withCaptions ? masks(record) : null);
      lines.captioned("perfect", sha(record), caption, List.of()); // a repeat: not scored
    }
    lines.captioned("perfect", "0".repeat(64), "a caption", List.of()); // not in the split
    return AccessLogReader.read(lines.write(directory.resolve("access.log")), count -> {});
  }

  @Test
  void aPerfectArmBeatsAnEmptyOneOnEveryQualityMetric() throws IOException {
    AbReport report =
        AbAnalysis.analyse(perfectAndEmptyLog(true), "q", null, 500, 1, groundTruth, s -> {});

    AbReport.Quality quality = report.quality();
    assertThat(quality).isNotNull();
    assertThat(quality.note()).isNull();
    assertThat(quality.images()).isEqualTo(IMAGES);
    QualityFigures empty = quality.arms().get(0);
    QualityFigures perfect = quality.arms().get(1);
    assertThat(empty.arm()).isEqualTo("empty");
    assertThat(perfect.images()).isEqualTo(IMAGES);
    assertThat(perfect.coverage().repeats()).isEqualTo(IMAGES);
    assertThat(perfect.coverage().unmatched()).isEqualTo(1);
    assertThat(perfect.values()).containsExactly(new double[] {100, 100, 100}, within(1e-9));
    assertThat(empty.values()).containsExactly(new double[] {0, 0, 0}, within(1e-9));
    assertThat(quality.comparisons()).hasSize(3);
    for (Comparison comparison : quality.comparisons()) {
      assertThat(comparison.arm()).isEqualTo("perfect");
      assertThat(comparison.outcome()).isEqualTo(Comparison.Outcome.ARM_BETTER);
      assertThat(comparison.low()).isCloseTo(100, within(1e-9));
      assertThat(comparison.verdict()).startsWith("perfect is better than empty by 100.0");
    }
  }

  @Test
  void linesWithoutCaptionsSayTheServerNeedsAccessLogCaptions() throws IOException {
    AbReport report =
        AbAnalysis.analyse(perfectAndEmptyLog(false), "q", null, 200, 1, groundTruth, s -> {});

    AbReport.Quality quality = report.quality();
    assertThat(quality).isNotNull();
    assertThat(quality.note()).contains("--access-log-captions");
    assertThat(quality.arms()).allSatisfy(arm -> assertThat(arm.images()).isZero());
    assertThat(quality.comparisons())
        .allSatisfy(
            comparison ->
                assertThat(comparison.outcome()).isEqualTo(Comparison.Outcome.NOT_ENOUGH_DATA));
    assertThat(AbMarkdown.render(report)).contains("--access-log-captions");
  }
}
