package io.gcgserve.pruners.altp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.testing.TestImages;
import org.junit.jupiter.api.Test;

class SuperpixelSegmenterTest {

  private static ImageRgb leftRightHalves() {
    int[] pixels = new int[336 * 336];
    for (int y = 0; y < 336; y++) {
      for (int x = 0; x < 336; x++) {
        pixels[y * 336 + x] = x < 168 ? 0x1040c0 : 0xe0c020;
      }
    }
    return new ImageRgb(336, 336, pixels);
  }

  @Test
  void regionsNeverCrossAStrongColourEdge() {
    Segmentation segmentation =
        new SuperpixelSegmenter(10, 5, 0.8, 2).segment(leftRightHalves(), 24, 24);
    for (int row = 0; row < 24; row++) {
      for (int left = 0; left < 12; left++) {
        for (int right = 12; right < 24; right++) {
          assertThat(segmentation.regionOfToken(row * 24 + left))
              .isNotEqualTo(segmentation.regionOfToken(row * 24 + right));
        }
      }
    }
    assertThat(segmentation.width()).isEqualTo(48);
    assertThat(segmentation.regionCount()).isBetween(2, 20);
  }

  @Test
  void sameImageGivesSameLabels() {
    ImageRgb image = TestImages.noise(336, 336, 3);
    SuperpixelSegmenter segmenter = new SuperpixelSegmenter(10, 5, 0.8, 2);
    assertThat(segmenter.segment(image, 24, 24)).isEqualTo(segmenter.segment(image, 24, 24));
  }

  @Test
  void assignsTokenToTheLabelCoveringMostOfItsPatch() {
    // 2x1 tokens of 3x3 label pixels; token 0 has 5 pixels of label 1 and 4 of label 0
    int[] labels = {1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0};
    Segmentation segmentation = Segmentation.fromLabels(6, 3, labels, 6, 3, 1, 2);
    assertThat(segmentation.regionOfToken(0)).isEqualTo(1);
    assertThat(segmentation.regionOfToken(1)).isEqualTo(0);
  }

  @Test
  void labToLabMatchesReferenceWhite() {
    float[] lab = new float[3];
    SuperpixelSegmenter.linearToLab(1, 1, 1, lab);
    assertThat(lab[0]).isCloseTo(100f, org.assertj.core.api.Assertions.within(0.01f));
    assertThat(lab[1]).isCloseTo(0f, org.assertj.core.api.Assertions.within(0.01f));
    assertThat(lab[2]).isCloseTo(0f, org.assertj.core.api.Assertions.within(0.01f));
  }
}
