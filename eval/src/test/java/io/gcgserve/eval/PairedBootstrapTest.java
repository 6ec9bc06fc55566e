package io.gcgserve.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Paired, seeded bootstrap intervals over images. */
class PairedBootstrapTest {

  private static List<ImageStat> images(long seed, int count) {
    Random random = new Random(seed);
    List<ImageStat> images = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int references = 1 + random.nextInt(4);
      boolean[] flags = new boolean[random.nextInt(5)];
      int matched = 0;
      for (int d = 0; d < flags.length; d++) {
        flags[d] = random.nextDouble() < 0.6 && matched < references;
        matched += flags[d] ? 1 : 0;
      }
      images.add(new ImageStat(flags, references, random.nextDouble(), matched));
    }
    return images;
  }

  @Test
  void theSameSeedGivesTheSameIntervalsAndAnotherSeedOthers() {
    List<ImageStat> images = images(1, 60);
    double[][] first = new PairedBootstrap(60, 200, 5).replicates(images);
    double[][] again = new PairedBootstrap(60, 200, 5).replicates(images);
    double[][] other = new PairedBootstrap(60, 200, 6).replicates(images);
    assertThat(first[0]).containsExactly(again[0]);
    assertThat(first[0]).isNotEqualTo(other[0]);
  }

  @Test
  void aConfigurationComparedWithItselfDiffersByExactlyZero() {
    List<ImageStat> images = images(2, 50);
    PairedBootstrap bootstrap = new PairedBootstrap(50, 300, 9);
    double[][] a = bootstrap.replicates(images);
    double[][] b = bootstrap.replicates(List.copyOf(images));
    for (int m = 0; m < PairedBootstrap.METRICS.size(); m++) {
      assertThat(PairedBootstrap.differenceInterval(a[m], b[m])).containsExactly(0.0, 0.0);
    }
  }

  @Test
  void pairingNarrowsTheIntervalOfAConsistentSmallImprovement() {
    List<ImageStat> base = images(3, 80);
    List<ImageStat> better = new ArrayList<>();
    for (ImageStat image : base) {
      better.add(
          new ImageStat(
              image.truePositives(),
              image.references(),
              Math.min(1, image.meanIou() + 0.02),
              image.matched()));
    }
    PairedBootstrap bootstrap = new PairedBootstrap(80, 500, 11);
    double[] paired =
        PairedBootstrap.differenceInterval(
            bootstrap.replicates(better)[1], bootstrap.replicates(base)[1]);
    // every image gains (up to) 0.02, so the paired interval excludes zero and stays near 0.02
    assertThat(paired[0]).isGreaterThan(0.0);
    assertThat(paired[1]).isLessThanOrEqualTo(0.02 + 1e-12);
    double[] single = PairedBootstrap.interval(bootstrap.replicates(base)[1]);
    assertThat(paired[1] - paired[0]).isLessThan(single[1] - single[0]);
  }
}
