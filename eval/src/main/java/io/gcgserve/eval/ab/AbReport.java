package io.gcgserve.eval.ab;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Everything {@code gcg-ab report} found, ready to be written as Markdown, JSON and plots.
 *
 * @param reading what reading the log found
 * @param log the experiment's lines by arm, and the control
 * @param resamples bootstrap resamples per arm
 * @param seed the bootstrap seed
 * @param serving each arm's serving metrics, in arm order
 * @param comparisons each non-control arm's serving metrics against the control
 * @param sampleRatio the sample-ratio-mismatch test
 * @param quality quality scoring, null without {@code --ground-truth}
 */
public record AbReport(
    LogReading reading,
    ExperimentLog log,
    int resamples,
    long seed,
    List<ServingFigures> serving,
    List<Comparison> comparisons,
    SampleRatioTest sampleRatio,
    @Nullable Quality quality) {

  /** Copies. */
  public AbReport {
    Objects.requireNonNull(reading, "reading is null");
    Objects.requireNonNull(log, "log is null");
    serving = List.copyOf(serving);
    comparisons = List.copyOf(comparisons);
  }

  /**
   * Quality against a ground truth.
   *
   * @param groundTruth the GranDf directory
   * @param images ground-truth images
   * @param arms each arm's quality, in arm order
   * @param comparisons each non-control arm's quality against the control
   * @param note what keeps quality from being scored, null when nothing does
   */
  public record Quality(
      Path groundTruth,
      int images,
      List<QualityFigures> arms,
      List<Comparison> comparisons,
      @Nullable String note) {

    /** Copies. */
    public Quality {
      arms = List.copyOf(arms);
      comparisons = List.copyOf(comparisons);
    }
  }
}
