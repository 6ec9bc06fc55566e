package io.gcgserve.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gcgserve.eval.data.CocoImageId;
import io.gcgserve.eval.data.EvalDataset;
import io.gcgserve.eval.data.GroundTruth;
import io.gcgserve.eval.metrics.ImageEvaluation;
import io.gcgserve.eval.metrics.LabeledMask;
import io.gcgserve.eval.metrics.MaskAp;
import io.gcgserve.eval.metrics.PhraseSimilarity;
import io.gcgserve.model.mask.CocoRle;
import io.gcgserve.pruners.ImageRgb;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AP50 ranks detections across images in COCOeval's order (sorted image ids), not the dataset's:
 * the pycocotools fixture (image ids 1..40 in file order), listed in a shuffled order, still scores
 * pycocotools' AP50 through {@link Scoring}, while ranking in the shuffled order would not.
 */
class CocoOrderScoringTest {

  @TempDir Path directory;

  private record Image(long id, List<LabeledMask> truth, List<LabeledMask> predicted) {}

  /** A dataset of the fixture's images, in the given order, ids as given. */
  private static EvalDataset dataset(List<Image> images) {
    return new EvalDataset() {
      @Override
      public String description() {
        return "shuffled pycocotools fixture";
      }

      @Override
      public int size() {
        return images.size();
      }

      @Override
      public String id(int index) {
        return "image-" + images.get(index).id();
      }

      @Override
      public CocoImageId cocoImageId(int index) {
        return CocoImageId.of(images.get(index).id());
      }

      @Override
      public GroundTruth truth(int index) {
        return new GroundTruth("", images.get(index).truth());
      }

      @Override
      public ImageRgb image(int index) {
        throw new UnsupportedOperationException("scoring needs no pixels");
      }
    };
  }

  @Test
  void ap50RanksImagesByIdAsCocoevalDoes() throws Exception {
    JsonObject fixture;
    try (Reader reader =
        new InputStreamReader(
            Objects.requireNonNull(
                getClass().getResourceAsStream("metrics/pycocotools-fixture.json")),
            StandardCharsets.UTF_8)) {
      fixture = JsonParser.parseReader(reader).getAsJsonObject();
    }
    int height = fixture.get("height").getAsInt();
    int width = fixture.get("width").getAsInt();
    List<Image> images = new ArrayList<>();
    long id = 1;
    for (JsonElement element : fixture.getAsJsonArray("images")) {
      JsonObject image = element.getAsJsonObject();
      images.add(
          new Image(id++, masks(image, "gt", height, width), masks(image, "dt", height, width)));
    }
    Collections.shuffle(images, new Random(7));
    Configuration configuration = new Configuration("none", Map.of(), "Upper bound", 1.0);
    List<ImageEvaluation> datasetOrder = new ArrayList<>();
    try (ResultLog log = new ResultLog(directory)) {
      for (Image image : images) {
        log.append(
            new PredictionRecord(
                configuration.id(),
                "image-" + image.id(),
                "",
                image.predicted(),
                width,
                height,
                1.0,
                576,
                0,
                0,
                0));
        datasetOrder.add(new ImageEvaluation("", "", image.truth(), image.predicted()));
      }
      double expected = fixture.get("ap50").getAsDouble();
      ConfigurationResult result =
          new Scoring(dataset(images), PhraseSimilarity.bigramDice()).score(configuration, log);
      assertThat(result.scores().ap50()).isEqualTo(expected, within(1e-12));
      // ranked in the shuffled dataset order, AP50 would be different
      assertThat(Math.abs(MaskAp.ap50(datasetOrder) - expected)).isGreaterThan(1e-6);
      // the per-image figures for the bootstrap come in the same order and give the same AP50
      double[] identity =
          PairedBootstrap.metrics(result.perImage(), ones(result.perImage().size()));
      assertThat(identity[0]).isEqualTo(expected, within(1e-12));
      assertThat(identity[1]).isEqualTo(result.scores().meanIou(), within(1e-12));
      assertThat(identity[2]).isEqualTo(result.scores().recall(), within(1e-12));
    }
  }

  private static int[] ones(int n) {
    int[] counts = new int[n];
    java.util.Arrays.fill(counts, 1);
    return counts;
  }

  private static List<LabeledMask> masks(JsonObject image, String key, int height, int width) {
    List<LabeledMask> masks = new ArrayList<>();
    for (JsonElement counts : image.getAsJsonArray(key)) {
      CocoRle rle = CocoRle.fromCompressedString(height, width, counts.getAsString());
      masks.add(new LabeledMask("object", rle.decode(1f).pixels()));
    }
    return masks;
  }
}
