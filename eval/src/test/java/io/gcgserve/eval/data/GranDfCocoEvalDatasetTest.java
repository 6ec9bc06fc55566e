package io.gcgserve.eval.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.eval.metrics.LabeledMask;
import io.gcgserve.model.data.Grounding;
import io.gcgserve.model.data.Scene;
import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.Split;
import io.gcgserve.model.image.ImageFiles;
import io.gcgserve.pruners.ImageRgb;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GLaMM's COCO-format GranDf ground truth: a hand-written fixture in exactly that format, and a
 * round trip of synthetic scenes through it.
 */
class GranDfCocoEvalDatasetTest {

  @TempDir Path directory;

  private void copyFixture() throws IOException {
    for (String suffix :
        List.of(GranDfCocoEvalDataset.MASK_SUFFIX, GranDfCocoEvalDataset.CAPTION_SUFFIX)) {
      try (InputStream in =
          Objects.requireNonNull(getClass().getResourceAsStream("coco/test" + suffix))) {
        Files.copy(in, directory.resolve("test" + suffix));
      }
    }
  }

  private static BitSet pixels(int... indices) {
    BitSet set = new BitSet();
    for (int index : indices) {
      set.set(index);
    }
    return set;
  }

  @Test
  void readsTheFixtureAsGlammDoes() throws IOException {
    copyFixture();
    assertThat(GranDfCocoEvalDataset.present(directory)).isTrue();
    GranDfCocoEvalDataset dataset =
        GranDfCocoEvalDataset.open(directory, null, null, Integer.MAX_VALUE);
    assertThat(dataset.size()).isEqualTo(2);
    // the caption file's image order, numeric ids
    assertThat(dataset.id(0)).isEqualTo("10");
    assertThat(dataset.cocoImageId(1)).isEqualTo(CocoImageId.of(2));
    GroundTruth first = dataset.truth(0);
    assertThat(first.caption()).isEqualTo("a red star under the sky");
    // masks of image 10 in file order (annotations 1 and 3), phrase i with mask i; 4x3 pixels
    assertThat(first.phrases())
        .containsExactly(
            new LabeledMask("a red star", pixels(0, 4, 5)),
            new LabeledMask("the sky", pixels(8, 9, 10, 11)));
    GroundTruth second = dataset.truth(1);
    // the first caption annotation wins; uncompressed RLE counts are read too
    assertThat(second.caption()).isEqualTo("a blue circle");
    assertThat(second.phrases())
        .containsExactly(new LabeledMask("a blue circle", pixels(3, 7, 11)));
    // COCOeval sorts numeric ids numerically: image 2 ranks before image 10
    assertThat(CocoImageId.cocoOrder(List.of(dataset.cocoImageId(0), dataset.cocoImageId(1))))
        .containsExactly(1, 0);
    assertThat(dataset.imageFile(1)).isEqualTo(directory.resolve("img_2.png"));
  }

  @Test
  void roundTripsSyntheticScenesWithStringIds() throws IOException {
    SceneGenerator generator = new SceneGenerator(2024, 96);
    List<Scene> scenes = new ArrayList<>();
    List<String> stems = new ArrayList<>();
    for (int index = 0; index < 4; index++) {
      scenes.add(generator.generate(Split.TEST, index));
      stems.add("sa_" + (1000 - index));
    }
    Path images = Files.createDirectories(directory.resolve("gt"));
    CocoGroundTruthWriter.write(images, "val", stems, scenes);
    GranDfCocoEvalDataset dataset =
        GranDfCocoEvalDataset.open(images, "val", null, Integer.MAX_VALUE);
    assertThat(dataset.size()).isEqualTo(4);
    List<CocoImageId> ids = new ArrayList<>();
    for (int index = 0; index < 4; index++) {
      Scene scene = scenes.get(index);
      assertThat(dataset.id(index)).isEqualTo(stems.get(index));
      ids.add(dataset.cocoImageId(index));
      GroundTruth truth = dataset.truth(index);
      assertThat(truth.caption()).isEqualTo(scene.plainCaption());
      assertThat(truth.phrases()).hasSize(scene.groundings().size());
      for (int p = 0; p < truth.phrases().size(); p++) {
        Grounding grounding = scene.groundings().get(p);
        assertThat(truth.phrases().get(p).phrase()).isEqualTo(grounding.phrase());
        assertThat(truth.phrases().get(p).pixels()).isEqualTo(grounding.mask().pixels());
      }
      ImageRgb image = dataset.image(index);
      assertThat(image.rgb()).isEqualTo(scene.image().rgb());
    }
    // string ids sort by code point, as Python sorts them: "sa_1000" < "sa_997" < ... < "sa_999"
    assertThat(CocoImageId.cocoOrder(ids)).containsExactly(0, 3, 2, 1);
  }

  @Test
  void refusesWhatGlammWouldMispair() throws IOException {
    copyFixture();
    Path captions = directory.resolve("test" + GranDfCocoEvalDataset.CAPTION_SUFFIX);
    Files.writeString(
        captions,
        Files.readString(captions, StandardCharsets.UTF_8)
            .replace("\"labels\": [\"a blue circle\"]", "\"labels\": []"),
        StandardCharsets.UTF_8);
    assertThatThrownBy(() -> GranDfCocoEvalDataset.open(directory, "test", null, 10))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("image 2 has 0 labels but 1 mask annotations");
    assertThatThrownBy(() -> GranDfCocoEvalDataset.open(directory, "val", null, 10))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("has no val_gcg_coco_mask_gt.json");
  }

  @Test
  void refusesAnImageWhoseSizeDisagreesWithItsGroundTruth() throws IOException {
    copyFixture();
    ImageFiles.writePng(new ImageRgb(5, 3, new int[15]), directory.resolve("img_10.png"));
    GranDfCocoEvalDataset dataset = GranDfCocoEvalDataset.open(directory, null, null, 10);
    assertThatThrownBy(() -> dataset.image(0))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is 3x5 but its ground truth says 3x4");
  }

  @Test
  void idsThatMixNumbersAndStringsAreRefused() {
    assertThatThrownBy(() -> CocoImageId.cocoOrder(List.of(CocoImageId.of(1), CocoImageId.of("1"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mix numbers and strings");
  }
}
