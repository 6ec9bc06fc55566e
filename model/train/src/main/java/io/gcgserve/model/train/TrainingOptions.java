package io.gcgserve.model.train;

/**
 * Optimisation settings of one training run.
 *
 * @param steps optimizer steps in total
 * @param batchSize examples per step
 * @param learningRate peak learning rate after warm-up
 * @param warmupSteps linear warm-up from 0 to the peak
 * @param minLearningRateRatio the cosine decays to {@code learningRate * minLearningRateRatio}
 * @param weightDecay AdamW decoupled decay on matrices
 * @param clipNorm global gradient-norm clip
 * @param seed seeds the initial weights; the data order follows from the step number
 * @param checkpointEvery steps between checkpoints (and at the end)
 * @param logEvery steps between progress lines
 * @param textLossWeight weight of the caption cross-entropy (GLaMM: 1)
 * @param bceLossWeight weight of the mask binary cross-entropy (GLaMM: 2)
 * @param diceLossWeight weight of the mask Dice loss (GLaMM: 0.5)
 * @param visualWordLossWeight weight of the visual-word loss (ours, not GLaMM's; 0 turns it off):
 *     each visual token, read through the tied output head, should name the words of the grounded
 *     phrase that covers its patch
 * @param regionWordLossWeight weight of the region-word loss (ours; 0 turns it off): the mean of
 *     the visual tokens under each grounded phrase's mask, read through the tied output head,
 *     should name that phrase's words. A shape is a property of a whole region, which no single
 *     patch shows; this term asks for it where the captioner reads it, over the region's tokens
 */
public record TrainingOptions(
    int steps,
    int batchSize,
    double learningRate,
    int warmupSteps,
    double minLearningRateRatio,
    double weightDecay,
    double clipNorm,
    long seed,
    int checkpointEvery,
    int logEvery,
    double textLossWeight,
    double bceLossWeight,
    double diceLossWeight,
    double visualWordLossWeight,
    double regionWordLossWeight) {

  /** Validates ranges. */
  public TrainingOptions {
    if (steps < 1 || batchSize < 1 || checkpointEvery < 1 || logEvery < 1) {
      throw new IllegalArgumentException(
          "steps, batch size, checkpoint and log intervals must be positive");
    }
    if (textLossWeight < 0
        || bceLossWeight < 0
        || diceLossWeight < 0
        || visualWordLossWeight < 0
        || regionWordLossWeight < 0) {
      throw new IllegalArgumentException("loss weights must not be negative");
    }
    if (!(learningRate > 0) || warmupSteps < 0 || !(clipNorm > 0)) {
      throw new IllegalArgumentException(
          "learning rate and clip norm must be positive, warm-up non-negative");
    }
  }

  /** The warm-up and cosine schedule these options describe. */
  LearningRateSchedule schedule() {
    return new LearningRateSchedule(learningRate, warmupSteps, steps, minLearningRateRatio);
  }

  /** Learning rate at 1-based {@code step}: linear warm-up, then cosine decay. */
  public double learningRateAt(int step) {
    return schedule().at(step);
  }
}
