package io.gcgserve.eval;

import io.gcgserve.eval.ab.Bootstrap;
import io.gcgserve.eval.metrics.MaskAp;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Bootstrap 95% intervals over images for AP50, mIoU and recall, paired by image: every
 * configuration is resampled with the same draws (resample {@code b} draws image {@code i} the same
 * number of times for every configuration), so the interval of a difference between two
 * configurations reflects only how they differ on the same images. Seeded: the same seed, image
 * count and resample count give the same draws.
 *
 * <p>A resample that draws an image {@code c} times adds its detections and references {@code c}
 * times; for AP50 its copies are ranked where the image stands in COCOeval's order (the images are
 * given in that order), so resample {@code b}'s AP50 is what COCOeval would report on a dataset
 * holding those copies.
 */
public final class PairedBootstrap {

  /** The metrics, in the order of every array here. */
  public static final List<String> METRICS = List.of("ap50", "miou", "recall");

  private final int[][] draws;

  /**
   * Draws {@code resamples} resamples of {@code images} images from {@code seed}.
   *
   * @throws IllegalArgumentException when {@code resamples < 1}
   */
  public PairedBootstrap(int images, int resamples, long seed) {
    if (resamples < 1) {
      throw new IllegalArgumentException("need at least one resample, got " + resamples);
    }
    draws = new int[resamples][images];
    SplittableRandom random = new SplittableRandom(seed);
    for (int[] counts : draws) {
      for (int draw = 0; draw < images; draw++) {
        counts[random.nextInt(images)]++;
      }
    }
  }

  /** Number of resamples. */
  public int resamples() {
    return draws.length;
  }

  /**
   * Replicates of each metric (fractions in [0, 1]) for one configuration's images, given in
   * COCOeval's image order: row {@code m} for metric {@code m} of {@link #METRICS}.
   */
  public double[][] replicates(List<ImageStat> images) {
    if (draws.length > 0 && draws[0].length != images.size()) {
      throw new IllegalArgumentException(
          "drawn for " + draws[0].length + " images, given " + images.size());
    }
    double[][] replicates = new double[METRICS.size()][draws.length];
    for (int b = 0; b < draws.length; b++) {
      double[] values = metrics(images, draws[b]);
      for (int m = 0; m < values.length; m++) {
        replicates[m][b] = values[m];
      }
    }
    return replicates;
  }

  /** AP50, mIoU and recall of the resample that draws image {@code i} {@code counts[i]} times. */
  public static double[] metrics(List<ImageStat> images, int[] counts) {
    List<boolean[]> flags = new ArrayList<>();
    int references = 0;
    long matched = 0;
    double iouSum = 0;
    long drawn = 0;
    for (int i = 0; i < counts.length; i++) {
      ImageStat image = images.get(i);
      boolean[] truePositives = image.truePositives();
      for (int c = 0; c < counts[i]; c++) {
        flags.add(truePositives);
      }
      references += counts[i] * image.references();
      matched += (long) counts[i] * image.matched();
      iouSum += counts[i] * image.meanIou();
      drawn += counts[i];
    }
    return new double[] {
      MaskAp.averagePrecision(flags, references),
      drawn == 0 ? Double.NaN : iouSum / drawn,
      references == 0 ? Double.NaN : (double) matched / references
    };
  }

  /** The central 95% percentile interval {@code {low, high}} of {@code replicates}. */
  public static double[] interval(double[] replicates) {
    return Bootstrap.interval(replicates);
  }

  /** The interval of {@code arm - baseline}, replicate by replicate (paired). */
  public static double[] differenceInterval(double[] arm, double[] baseline) {
    return Bootstrap.interval(Bootstrap.differences(arm, baseline));
  }
}
