package io.gcgserve.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.proto.v1.Mask;
import io.gcgserve.proto.v1.MaskFormat;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** The empty-mask contract: {@code Mask.empty} says when a grounded phrase found no region. */
class ProtoEventsMaskTest {

  @Test
  void aMaskWithoutForegroundIsMarkedEmpty() {
    Mask mask =
        ProtoEvents.mask(new BinaryMask(6, 4, new BitSet(), 0f), MaskFormat.MASK_FORMAT_COCO_RLE);

    assertThat(mask.getEmpty()).isTrue();
    assertThat(mask.getBboxList()).containsExactly(0, 0, 0, 0);
    assertThat(mask.getScore()).isZero();
    assertThat(mask.getSizeList()).containsExactly(4, 6);
    // all 24 pixels background, in one run
    assertThat(mask.getRleCounts()).isNotEmpty();
  }

  @Test
  void aMaskWithOnePixelIsNotEmpty() {
    BitSet pixels = new BitSet();
    pixels.set(7);
    Mask mask = ProtoEvents.mask(new BinaryMask(6, 4, pixels, 0.9f), MaskFormat.MASK_FORMAT_PNG);

    assertThat(mask.getEmpty()).isFalse();
    assertThat(mask.getBboxList()).containsExactly(1, 1, 1, 1);
  }
}
