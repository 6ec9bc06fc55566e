package io.gcgserve.eval.ab;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** Computes an {@link AbReport} from a read log: the statistics, without writing anything. */
public final class AbAnalysis {

  private AbAnalysis() {}

  /**
   * Analyses one experiment of {@code reading}.
   *
   * @param experiment the experiment, or null for the log's only one
   * @param control the control arm, or null for the first arm
   * @param groundTruth a GranDf directory to score quality against, or null
   * @param progress told each step, for stderr
   * @throws IllegalArgumentException when the experiment or control is not in the log
   */
  public static AbReport analyse(
      LogReading reading,
      @Nullable String experiment,
      @Nullable String control,
      int resamples,
      long seed,
      @Nullable Path groundTruth,
      Consumer<String> progress)
      throws IOException {
    if (resamples < 100) {
      throw new IllegalArgumentException("--bootstrap must be at least 100, got " + resamples);
    }
    ExperimentLog log = ExperimentLog.select(reading, experiment, control);
    progress.accept(
        "experiment "
            + log.experiment()
            + ": "
            + log.arms().size()
            + " arms, control "
            + log.control());
    List<ServingFigures> serving =
        ServingFigures.of(
            log.arms(),
            resamples,
            seed,
            arm -> progress.accept("bootstrapped serving metrics of arm " + arm));
    ServingFigures controlFigures = serving.get(indexOfControl(log));
    List<Comparison> comparisons = new ArrayList<>();
    for (ServingFigures figures : serving) {
      if (!figures.arm().name().equals(log.control())) {
        comparisons.addAll(figures.against(controlFigures));
      }
    }
    AbReport.Quality quality =
        groundTruth == null ? null : quality(log, groundTruth, resamples, seed, progress);
    return new AbReport(
        reading,
        log,
        resamples,
        seed,
        serving,
        comparisons,
        SampleRatioTest.of(log.arms()),
        quality);
  }

  private static int indexOfControl(ExperimentLog log) {
    for (int i = 0; i < log.arms().size(); i++) {
      if (log.arms().get(i).name().equals(log.control())) {
        return i;
      }
    }
    throw new IllegalStateException("control " + log.control() + " is not an arm");
  }

  private static AbReport.Quality quality(
      ExperimentLog log, Path groundTruth, int resamples, long seed, Consumer<String> progress)
      throws IOException {
    QualityScoring scoring = QualityScoring.open(groundTruth, progress);
    List<QualityFigures> arms = new ArrayList<>();
    for (ArmSample arm : log.arms()) {
      QualityFigures figures = scoring.score(arm, resamples, seed);
      progress.accept("scored quality of arm " + arm.name() + ": " + figures.images() + " images");
      arms.add(figures);
    }
    QualityFigures control = arms.get(indexOfControl(log));
    List<Comparison> comparisons = new ArrayList<>();
    for (QualityFigures figures : arms) {
      if (!figures.arm().equals(log.control())) {
        comparisons.addAll(figures.against(control));
      }
    }
    return new AbReport.Quality(
        groundTruth, scoring.images(), arms, comparisons, qualityNote(arms, groundTruth));
  }

  /** What keeps quality from being scored, or null when every matched line was scored. */
  static @Nullable String qualityNote(List<QualityFigures> arms, Path groundTruth) {
    int scored = 0;
    int withoutCaptions = 0;
    int unmatched = 0;
    for (QualityFigures arm : arms) {
      scored += arm.images();
      withoutCaptions += arm.coverage().withoutCaptions();
      unmatched += arm.coverage().unmatched();
    }
    if (scored == 0 && withoutCaptions > 0) {
      return "The log lines carry no caption and masks, so quality cannot be scored: run the"
          + " server with --access-log-captions.";
    }
    if (scored == 0) {
      return "No OK line's image_sha256 matches an image of "
          + groundTruth
          + " ("
          + unmatched
          + " OK lines unmatched): were the requests this split's image files, sent as their"
          + " bytes?";
    }
    if (withoutCaptions > 0) {
      return withoutCaptions
          + " matched lines carry no caption and masks and were not scored (part of the log was"
          + " written without --access-log-captions).";
    }
    return null;
  }
}
