package io.gcgserve.model.train;

/**
 * The losses of the steps since the last progress line, averaged into the next one, so that a line
 * every n steps shows the trend of those n steps rather than one noisy batch.
 */
final class ProgressWindow {

  private int steps;
  private double loss;
  private double text;
  private double bce;
  private double dice;
  private double words;
  private double regions;
  private double regionAccuracy;
  private double glanceDice;
  private double phraseAccuracy;

  /** Adds one step's losses to the window. */
  void add(StepLosses losses) {
    steps++;
    loss += losses.total();
    text += losses.text();
    bce += losses.bce();
    dice += losses.dice();
    words += losses.words();
    regions += losses.regions();
    regionAccuracy += losses.regionAccuracy();
    glanceDice += losses.glanceDice();
    phraseAccuracy += losses.phraseAccuracy();
  }

  /** Steps added since the last {@link #line}. */
  int steps() {
    return steps;
  }

  /**
   * The progress line of 1-based {@code step} of {@code totalSteps}: the window's mean losses and
   * accuracies, the last step's gradient norm, the learning rate, throughput over the window and
   * the run's elapsed time and estimate of the time left. Empties the window.
   *
   * @param samplesPerSecond examples per second over the window
   */
  String line(
      int step,
      int totalSteps,
      double gradientNorm,
      double learningRate,
      double samplesPerSecond,
      double elapsedSeconds,
      double etaSeconds) {
    String line =
        String.format(
            "step %d/%d  loss %.4f (text %.4f  bce %.4f  dice %.4f  words %.4f  regions %.4f)  "
                + "region-acc %.1f%%  glance-dice %.4f  phrase-acc %.1f%%  |g| %.2f  lr %.2e  "
                + "%.2f samples/s  elapsed %s  eta %s%n",
            step,
            totalSteps,
            loss / steps,
            text / steps,
            bce / steps,
            dice / steps,
            words / steps,
            regions / steps,
            100 * regionAccuracy / steps,
            glanceDice / steps,
            100 * phraseAccuracy / steps,
            gradientNorm,
            learningRate,
            samplesPerSecond,
            duration(elapsedSeconds),
            duration(etaSeconds));
    steps = 0;
    loss = 0;
    text = 0;
    bce = 0;
    dice = 0;
    words = 0;
    regions = 0;
    regionAccuracy = 0;
    glanceDice = 0;
    phraseAccuracy = 0;
    return line;
  }

  /** {@code 1h05m} from an hour on, {@code 4m07s} below. */
  static String duration(double seconds) {
    long total = Math.round(seconds);
    return total >= 3600
        ? String.format("%dh%02dm", total / 3600, (total % 3600) / 60)
        : String.format("%dm%02ds", total / 60, total % 60);
  }
}
