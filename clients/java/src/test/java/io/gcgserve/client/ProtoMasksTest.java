package io.gcgserve.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.mask.CocoRle;
import io.gcgserve.proto.v1.Mask;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ProtoMasksTest {

  /** 3x3 mask, runs [1, 2, 6] in column-major order: rows 1 and 2 of column 0 are set. */
  static final Mask COLUMN =
      Mask.newBuilder()
          .setRleCounts("126")
          .addSize(3)
          .addSize(3)
          .addAllBbox(List.of(0, 1, 1, 2))
          .setScore(0.75f)
          .build();

  @Test
  void decodesColumnMajorRunsIntoRowMajorPixels() {
    BinaryMask mask = ProtoMasks.decode(COLUMN);
    assertThat(mask.width()).isEqualTo(3);
    assertThat(mask.height()).isEqualTo(3);
    assertThat(mask.pixels().stream().toArray()).containsExactly(3, 6);
    assertThat(mask.get(0, 1)).isTrue();
    assertThat(mask.get(1, 0)).isFalse();
    assertThat(mask.score()).isEqualTo(0.75f);
    assertThat(ProtoMasks.rle(COLUMN).area()).isEqualTo(2);
  }

  @Test
  void rejectsRunsThatDoNotCoverTheMask() {
    Mask shortRuns = COLUMN.toBuilder().setRleCounts("12").build();
    assertThatThrownBy(() -> ProtoMasks.decode(shortRuns))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sum to 3 but the mask has 9 pixels");
  }

  @Test
  void rejectsASizeThatIsNotHeightAndWidth() {
    Mask flat = COLUMN.toBuilder().clearSize().addSize(9).build();
    assertThatThrownBy(() -> ProtoMasks.rle(flat))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mask size must be [height, width], got [9]");
  }

  /** A mask as the server puts it on the wire (CocoRle, size [height, width]) reads back intact. */
  @Property(tries = 200)
  void readsBackWhatTheServerWrites(
      @ForAll @IntRange(min = 1, max = 40) int width,
      @ForAll @IntRange(min = 1, max = 40) int height,
      @ForAll long seed) {
    Random random = new Random(seed);
    BitSet pixels = new BitSet(width * height);
    double density = random.nextDouble();
    for (int i = 0; i < width * height; i++) {
      if (random.nextDouble() < density) {
        pixels.set(i);
      }
    }
    BinaryMask mask = new BinaryMask(width, height, pixels, 1f);
    Mask wire =
        Mask.newBuilder()
            .setRleCounts(CocoRle.encode(mask).toCompressedString())
            .addSize(height)
            .addSize(width)
            .build();
    BinaryMask decoded = ProtoMasks.decode(wire);
    assertThat(decoded.width()).isEqualTo(width);
    assertThat(decoded.height()).isEqualTo(height);
    assertThat(decoded.pixels()).isEqualTo(pixels);
  }
}
