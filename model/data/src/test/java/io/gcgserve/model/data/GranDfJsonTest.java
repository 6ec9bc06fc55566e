package io.gcgserve.model.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.mask.CocoRle;
import io.gcgserve.pruners.ImageRgb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GranDfJsonTest {

  @TempDir Path temp;

  private static BinaryMask mask(int width, int height, int... setIndices) {
    BitSet pixels = new BitSet(width * height);
    for (int index : setIndices) {
      pixels.set(index);
    }
    return new BinaryMask(width, height, pixels, 1f);
  }

  @Test
  void compressedRleMatchesAHandComputedPycocotoolsString() {
    // 3x3 mask, rows: 0 1 0 / 0 1 1 / 0 0 0. Column-major: 000 110 010 -> runs 3,2,2,1,1.
    // Runs after the second are stored as differences to the run two before: 3,2,2,-1,-1;
    // 3 -> '3' (48+3), 2 -> '2', -1 -> 31 with no continuation -> 'O' (48+31).
    BinaryMask mask = mask(3, 3, 1, 4, 5);
    CocoRle rle = CocoRle.encode(mask);
    assertThat(rle.counts()).containsExactly(3, 2, 2, 1, 1);
    assertThat(rle.toCompressedString()).isEqualTo("322OO");
    // an empty 10x10 mask is one run of 100 = 0b11_00100: chunk 4 with continuation -> 'T', 3 ->
    // '3'
    assertThat(CocoRle.encode(mask(10, 10)).toCompressedString()).isEqualTo("T3");
    assertThat(CocoRle.fromCompressedString(3, 3, "322OO").decode(1f).pixels())
        .isEqualTo(mask.pixels());
  }

  @Test
  void rleRoundTripsRandomMasksOfAnyShape() {
    Random random = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      int width = 1 + random.nextInt(40);
      int height = 1 + random.nextInt(40);
      BitSet pixels = new BitSet();
      double density = random.nextDouble();
      for (int p = 0; p < width * height; p++) {
        if (random.nextDouble() < density) {
          pixels.set(p);
        }
      }
      BinaryMask mask = new BinaryMask(width, height, pixels, 1f);
      CocoRle rle = CocoRle.encode(mask);
      assertThat(rle.decode(1f).pixels()).isEqualTo(pixels);
      CocoRle parsed = CocoRle.fromCompressedString(height, width, rle.toCompressedString());
      assertThat(parsed).isEqualTo(rle);
      assertThat(parsed.area()).isEqualTo(pixels.cardinality());
    }
  }

  @Test
  void writtenDatasetReadsBackEqualAndIsByteIdenticalWhenRewritten() throws Exception {
    SceneGenerator generator = new SceneGenerator(11, 64);
    Path first = temp.resolve("first");
    Path second = temp.resolve("second");
    for (Path out : List.of(first, second)) {
      try (GranDfWriter writer = new GranDfWriter(out)) {
        for (int index = 0; index < 5; index++) {
          writer.add(GranDfWriter.fileName(Split.VAL, index), generator.generate(Split.VAL, index));
        }
      }
    }
    assertThat(Files.readAllBytes(second.resolve("annotations.json")))
        .isEqualTo(Files.readAllBytes(first.resolve("annotations.json")));
    assertThat(Files.readAllBytes(second.resolve("images/val_000003.png")))
        .isEqualTo(Files.readAllBytes(first.resolve("images/val_000003.png")));

    GranDfDataset dataset = GranDfDataset.open(first);
    assertThat(dataset.records()).hasSize(5);
    for (int index = 0; index < 5; index++) {
      Scene scene = generator.generate(Split.VAL, index);
      GranDfRecord record = dataset.records().get(index);
      assertThat(record.fileName()).isEqualTo("val_00000" + index + ".png");
      assertThat(record.caption()).isEqualTo(scene.plainCaption());
      assertThat(record.markedCaption()).isEqualTo(scene.caption());
      assertThat(record.groundings()).hasSameSizeAs(scene.groundings());
      for (int g = 0; g < scene.groundings().size(); g++) {
        Grounding expected = scene.groundings().get(g);
        Grounding actual = record.groundings().get(g);
        assertThat(actual.phrase()).isEqualTo(expected.phrase());
        assertThat(actual.start()).isEqualTo(expected.start());
        assertThat(actual.end()).isEqualTo(expected.end());
        assertThat(actual.mask().pixels()).isEqualTo(expected.mask().pixels());
      }
      ImageRgb image = dataset.loadImage(record);
      assertThat(image.rgb()).isEqualTo(scene.image().rgb());
    }
  }

  @Test
  void readingMergesSeveralRleMasksOfOnePhraseAndAcceptsUncompressedCounts() throws Exception {
    String json =
        """
        [{"file_name": "a.png", "height": 3, "width": 3, "caption": "a red dot .",
          "groundings": {"red dot": {"token_positives": [2, 9],
            "rle_masks": [{"size": [3, 3], "counts": "322OO"},
                          {"size": [3, 3], "counts": [8, 1]}]}}}]
        """;
    Path file = temp.resolve("gcg.json");
    Files.writeString(file, json);
    GranDfRecord record = GranDfJson.read(file).get(0);
    assertThat(record.groundings()).hasSize(1);
    // column-major index 8 is (x=2, y=2), row-major 8 too on a 3x3 mask
    assertThat(record.groundings().get(0).mask().pixels())
        .isEqualTo(mask(3, 3, 1, 4, 5, 8).pixels());
    assertThat(record.markedCaption()).isEqualTo("a <p> red dot </p> [SEG] .");
  }

  @Test
  void writingRejectsARepeatedPhrase() {
    Grounding dot = new Grounding("dot", 0, 3, mask(2, 2, 0));
    GranDfRecord record =
        new GranDfRecord(
            "x.png", 2, 2, "dot and dot", List.of(dot, new Grounding("dot", 8, 11, mask(2, 2, 1))));
    assertThatThrownBy(() -> GranDfJson.write(temp.resolve("x.json"), List.of(record)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("occurs twice");
  }
}
