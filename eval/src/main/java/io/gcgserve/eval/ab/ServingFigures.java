package io.gcgserve.eval.ab;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One arm's serving metrics ({@link LatencyMetric}): each value on the arm's sample and its
 * bootstrap replicates. All metrics of one {@link LatencyMetric.Sample} share the resamples.
 *
 * @param arm the arm
 * @param values each metric on the arm's sample
 * @param replicates each metric's bootstrap replicates
 * @param sizes each metric's sample size
 */
public record ServingFigures(
    ArmSample arm,
    Map<LatencyMetric, Double> values,
    Map<LatencyMetric, double[]> replicates,
    Map<LatencyMetric, Integer> sizes) {

  /** Copies. */
  public ServingFigures {
    Objects.requireNonNull(arm, "arm is null");
    values = Map.copyOf(values);
    replicates = Map.copyOf(replicates);
    sizes = Map.copyOf(sizes);
  }

  /**
   * Computes every metric of {@code arm} with {@code resamples} replicates.
   *
   * @param seed the report's seed; each (arm, sample) stream is derived from it and their names
   */
  public static ServingFigures of(ArmSample arm, int resamples, long seed) {
    Map<LatencyMetric, Double> values = new EnumMap<>(LatencyMetric.class);
    Map<LatencyMetric, double[]> replicates = new EnumMap<>(LatencyMetric.class);
    Map<LatencyMetric, Integer> sizes = new EnumMap<>(LatencyMetric.class);
    for (LatencyMetric.Sample sample : LatencyMetric.Sample.values()) {
      double[] sorted = sample.of(arm);
      List<LatencyMetric> metrics = new ArrayList<>();
      for (LatencyMetric metric : LatencyMetric.values()) {
        if (metric.sample() == sample) {
          metrics.add(metric);
        }
      }
      Bootstrap.Statistic[] statistics = new Bootstrap.Statistic[metrics.size()];
      for (int i = 0; i < statistics.length; i++) {
        LatencyMetric metric = metrics.get(i);
        statistics[i] = counts -> metric.of(sorted, counts);
      }
      double[][] rows =
          Bootstrap.replicates(
              sorted.length, statistics, resamples, seed, arm.name() + "\u0000" + sample.name());
      int[] identity = Bootstrap.identity(sorted.length);
      for (int i = 0; i < statistics.length; i++) {
        values.put(metrics.get(i), statistics[i].of(identity));
        replicates.put(metrics.get(i), rows[i]);
        sizes.put(metrics.get(i), sorted.length);
      }
    }
    return new ServingFigures(arm, values, replicates, sizes);
  }

  /** Figures of every arm, telling {@code progress} as each arm is done. */
  public static List<ServingFigures> of(
      List<ArmSample> arms, int resamples, long seed, Consumer<String> progress) {
    List<ServingFigures> figures = new ArrayList<>();
    for (ArmSample arm : arms) {
      figures.add(of(arm, resamples, seed));
      progress.accept(arm.name());
    }
    return figures;
  }

  /** The metric's value on the arm's sample. */
  public double value(LatencyMetric metric) {
    return Objects.requireNonNull(values.get(metric), metric.name());
  }

  /** The metric's bootstrap replicates. */
  public double[] replicatesOf(LatencyMetric metric) {
    return Objects.requireNonNull(replicates.get(metric), metric.name());
  }

  /** The size of the sample the metric is taken over. */
  public int size(LatencyMetric metric) {
    return Objects.requireNonNull(sizes.get(metric), metric.name());
  }

  /** The arm's own {@link Bootstrap#CONFIDENCE} interval of the metric. */
  public double[] interval(LatencyMetric metric) {
    return Bootstrap.interval(replicatesOf(metric));
  }

  /** Every metric of this arm against {@code control}, in metric order. */
  public List<Comparison> against(ServingFigures control) {
    List<Comparison> comparisons = new ArrayList<>();
    for (LatencyMetric metric : LatencyMetric.values()) {
      double[] interval =
          Bootstrap.interval(
              Bootstrap.differences(replicatesOf(metric), control.replicatesOf(metric)));
      comparisons.add(
          Comparison.of(
              metric.info(),
              arm.name(),
              control.arm.name(),
              value(metric),
              control.value(metric),
              interval,
              size(metric) >= 2 && control.size(metric) >= 2));
    }
    return comparisons;
  }
}
