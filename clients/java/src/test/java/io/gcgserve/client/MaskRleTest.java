package io.gcgserve.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.proto.v1.GroundedPhrase;
import io.gcgserve.proto.v1.Mask;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaskRleTest {

  /** 3x3 mask, runs [1, 2, 6] in column-major order: rows 1 and 2 of column 0 are set. */
  private static final Mask COLUMN =
      Mask.newBuilder()
          .setRleCounts("126")
          .addSize(3)
          .addSize(3)
          .addAllBbox(List.of(0, 1, 1, 2))
          .build();

  @Test
  void decodesColumnMajorRuns() {
    assertThat(MaskRle.decode(COLUMN))
        .containsExactly(false, false, false, true, false, false, true, false, false);
  }

  @Test
  void rejectsRunsThatDoNotCoverTheMask() {
    Mask shortRuns = COLUMN.toBuilder().setRleCounts("12").build();
    assertThatThrownBy(() -> MaskRle.decode(shortRuns)).hasMessageContaining("cover 3 of 9");
  }

  @Test
  void overlayTintsOnlyMaskedPixels() {
    // the 3x3 mask is scaled onto a 30x30 image; an empty label keeps the text box small
    BufferedImage image = new BufferedImage(30, 30, BufferedImage.TYPE_INT_RGB);
    GroundedPhrase phrase = GroundedPhrase.newBuilder().setPhrase("").setMask(COLUMN).build();
    BufferedImage overlay = OverlayRenderer.render(image, List.of(phrase));
    assertThat(overlay.getRGB(25, 15) & 0xffffff).isZero();
    assertThat(overlay.getRGB(8, 12) & 0xffffff).isNotZero();
  }
}
