package io.gcgserve.eval.ab;

import io.gcgserve.eval.metrics.MaskAp;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One arm's quality: AP50, mIoU and grounded recall (points, ×100) over the images it captioned,
 * with bootstrap replicates over those images, and how many of its lines could not be scored.
 *
 * @param arm the arm
 * @param images images scored
 * @param values AP50, mIoU, recall in {@link QualityScoring#METRICS} order
 * @param replicates each metric's bootstrap replicates, same order
 * @param coverage the lines that were not scored, by reason
 */
public record QualityFigures(
    String arm, int images, double[] values, double[][] replicates, Coverage coverage) {

  /**
   * The arm's OK lines that were not scored.
   *
   * @param unmatched lines whose image hash is not a ground-truth image (or that have none)
   * @param withoutCaptions matched lines without caption and masks (server run without {@code
   *     --access-log-captions})
   * @param repeats lines for an image the arm already had scored
   * @param sizeMismatches lines whose masks are not the size of the ground-truth image
   */
  public record Coverage(int unmatched, int withoutCaptions, int repeats, int sizeMismatches) {}

  /** Null checks and copies. */
  public QualityFigures {
    Objects.requireNonNull(arm, "arm is null");
    Objects.requireNonNull(coverage, "coverage is null");
    values = values.clone();
    replicates = replicates.clone();
  }

  /** Computes the metrics over {@code scores} and their replicates. */
  static QualityFigures of(
      String arm,
      List<QualityScoring.ImageScore> scores,
      Coverage coverage,
      int resamples,
      long seed) {
    Bootstrap.Statistic[] statistics = {
      counts -> ap50(scores, counts),
      counts -> meanIou(scores, counts),
      counts -> recall(scores, counts)
    };
    double[][] replicates =
        Bootstrap.replicates(scores.size(), statistics, resamples, seed, arm + "\u0000quality");
    int[] identity = Bootstrap.identity(scores.size());
    double[] values = new double[statistics.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = scores.isEmpty() ? Double.NaN : statistics[i].of(identity);
    }
    return new QualityFigures(arm, scores.size(), values, replicates, coverage);
  }

  private static double ap50(List<QualityScoring.ImageScore> scores, int[] counts) {
    List<boolean[]> flags = new ArrayList<>();
    int references = 0;
    for (int i = 0; i < counts.length; i++) {
      for (int c = 0; c < counts[i]; c++) {
        flags.add(scores.get(i).truePositives());
        references += scores.get(i).references();
      }
    }
    return MaskAp.averagePrecision(flags, references) * 100;
  }

  private static double meanIou(List<QualityScoring.ImageScore> scores, int[] counts) {
    double sum = 0;
    int images = 0;
    for (int i = 0; i < counts.length; i++) {
      sum += counts[i] * scores.get(i).meanIou();
      images += counts[i];
    }
    return images == 0 ? Double.NaN : sum / images * 100;
  }

  private static double recall(List<QualityScoring.ImageScore> scores, int[] counts) {
    long matched = 0;
    long references = 0;
    for (int i = 0; i < counts.length; i++) {
      matched += (long) counts[i] * scores.get(i).matched();
      references += (long) counts[i] * scores.get(i).references();
    }
    return references == 0 ? Double.NaN : 100.0 * matched / references;
  }

  /** The arm's own interval of metric {@code index}. */
  public double[] interval(int index) {
    return Bootstrap.interval(replicates[index]);
  }

  /** Every metric of this arm against {@code control}. */
  public List<Comparison> against(QualityFigures control) {
    List<Comparison> comparisons = new ArrayList<>();
    for (int i = 0; i < QualityScoring.METRICS.size(); i++) {
      comparisons.add(
          Comparison.of(
              QualityScoring.METRICS.get(i),
              arm,
              control.arm,
              values[i],
              control.values[i],
              Bootstrap.interval(Bootstrap.differences(replicates[i], control.replicates[i])),
              images >= 2 && control.images >= 2));
    }
    return comparisons;
  }
}
