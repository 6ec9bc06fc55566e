package io.gcgserve.pruners.altp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import boofcv.factory.segmentation.ConfigSlic;
import boofcv.factory.segmentation.FactoryImageSegmentation;
import boofcv.struct.ConnectRule;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayS32;
import boofcv.struct.image.ImageType;
import boofcv.struct.image.Planar;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.testing.TestImages;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
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
  void ourCancellableSlicLabelsLikeBoofCvsOwn() {
    // the same input and settings through BoofCV's factory and through the subclass that polls a
    // cancellation flag: the same labels, pixel for pixel
    Planar<GrayF32> lab = SuperpixelSegmenter.toLab(TestImages.noise(336, 336, 5), 96, 96);
    ConfigSlic config = new ConfigSlic(40, 12f);
    config.connectRule = ConnectRule.EIGHT;
    GrayS32 theirs = new GrayS32(96, 96);
    FactoryImageSegmentation.slic(config, ImageType.pl(3, GrayF32.class)).segment(lab, theirs);
    GrayS32 ours = new GrayS32(96, 96);
    new SuperpixelSegmenter.CancellableSlic(config, 3, () -> false).process(lab, ours);
    assertThat(ours.data).isEqualTo(theirs.data);
  }

  @Test
  void segmentationLooksAtTheFlagBeforeEverySlicIteration() {
    AtomicInteger looks = new AtomicInteger();
    SuperpixelSegmenter segmenter = new SuperpixelSegmenter(256, 10, 10, 4);
    ImageRgb image = TestImages.noise(336, 336, 6);
    Segmentation whole =
        segmenter.segment(
            image,
            24,
            24,
            () -> {
              looks.incrementAndGet();
              return false;
            });
    assertThat(whole).isEqualTo(segmenter.segment(image, 24, 24));
    // BoofCV's 10 iterations, and the steps around them
    assertThat(looks.get()).isGreaterThanOrEqualTo(10 + 2);
    for (int giveUpAt : new int[] {1, 3, 7, looks.get()}) {
      AtomicInteger seen = new AtomicInteger();
      assertThatThrownBy(
              () -> segmenter.segment(image, 24, 24, () -> seen.incrementAndGet() >= giveUpAt))
          .as("cancelled at look %d", giveUpAt)
          .isInstanceOf(CancellationException.class);
      assertThat(seen.get()).as("no look after the one that said cancelled").isEqualTo(giveUpAt);
    }
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
