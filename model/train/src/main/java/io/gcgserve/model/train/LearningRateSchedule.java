package io.gcgserve.model.train;

/**
 * The learning rate per step: a linear warm-up from 0 to the peak, so that AdamW's moment estimates
 * settle before full-size updates, then a cosine decay to a floor over the remaining steps.
 *
 * @param peak learning rate at the end of the warm-up
 * @param warmupSteps steps of the linear warm-up (0: start at the peak)
 * @param totalSteps steps of the whole run; the cosine reaches the floor at the last
 * @param floorRatio the floor as a share of the peak
 */
record LearningRateSchedule(double peak, int warmupSteps, int totalSteps, double floorRatio) {

  /** Learning rate at 1-based {@code step}; steps past {@code totalSteps} stay at the floor. */
  double at(int step) {
    if (step <= warmupSteps) {
      return peak * step / Math.max(1, warmupSteps);
    }
    double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    double cosine = 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
    return peak * (floorRatio + (1 - floorRatio) * cosine);
  }
}
