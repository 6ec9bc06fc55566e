package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.client.MaskRle;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.mask.CocoRle;
import io.gcgserve.proto.v1.Mask;
import java.util.BitSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class MaskWireFormatTest {

  /** What the server encodes with the model's CocoRle, the Java client decodes pixel for pixel. */
  @Property(tries = 200)
  void clientDecodesWhatTheServerEncodes(
      @ForAll @IntRange(min = 1, max = 40) int width,
      @ForAll @IntRange(min = 1, max = 40) int height,
      @ForAll long seed) {
    java.util.Random random = new java.util.Random(seed);
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
    boolean[] decoded = MaskRle.decode(wire);
    for (int i = 0; i < width * height; i++) {
      assertThat(decoded[i]).isEqualTo(pixels.get(i));
    }
  }
}
