package io.gcgserve.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.proto.v1.GroundedPhrase;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlayRendererTest {

  @Test
  void overlayTintsOnlyMaskedPixels() {
    // the 3x3 mask is scaled onto a 30x30 image; an empty label keeps the text box small
    BufferedImage image = new BufferedImage(30, 30, BufferedImage.TYPE_INT_RGB);
    GroundedPhrase phrase =
        GroundedPhrase.newBuilder().setPhrase("").setMask(ProtoMasksTest.COLUMN).build();
    BufferedImage overlay = OverlayRenderer.render(image, List.of(phrase));
    assertThat(overlay.getRGB(25, 15) & 0xffffff).isZero();
    assertThat(overlay.getRGB(8, 12) & 0xffffff).isNotZero();
  }
}
