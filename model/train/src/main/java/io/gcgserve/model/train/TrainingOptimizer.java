package io.gcgserve.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.gcgserve.model.djl.GcgNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One optimiser step after backward: global-norm gradient clipping, then an {@link AdamW} update at
 * the {@link LearningRateSchedule}'s rate. A non-finite gradient stops the run with the names of
 * the weights it reached rather than writing NaN into every weight.
 */
final class TrainingOptimizer {

  /** AdamW's first-moment decay. */
  static final double BETA1 = 0.9;

  /** AdamW's second-moment decay: 0.95 rather than Adam's 0.999, as Llama-style training uses. */
  static final double BETA2 = 0.95;

  /** AdamW's denominator guard. */
  static final double EPSILON = 1e-8;

  private final AdamW adamW;
  private final LearningRateSchedule schedule;
  private final double clipNorm;

  /** An optimiser with the weight decay, schedule and clip norm of {@code options}. */
  TrainingOptimizer(TrainingOptions options) {
    Objects.requireNonNull(options, "options is null");
    this.adamW = new AdamW(BETA1, BETA2, EPSILON, options.weightDecay());
    this.schedule = options.schedule();
    this.clipNorm = options.clipNorm();
  }

  /** Creates zero moments for every weight of {@code network}, owned by {@code manager}. */
  void initialize(GcgNetwork network, NDManager manager) {
    adamW.initialize(network.weights(), manager);
  }

  /** The moment tensors by name, for checkpoints. */
  Map<String, NDArray> state() {
    return adamW.state();
  }

  /** Restores moments saved by {@link #state()}. */
  void restore(Map<String, NDArray> state) {
    adamW.restore(state);
  }

  /** The learning rate of 1-based {@code step}. */
  double learningRateAt(int step) {
    return schedule.at(step);
  }

  /**
   * Clips and applies the gradients held by {@code network}'s weights for 1-based {@code step},
   * then zeroes them; {@code loss} only goes into the message of a non-finite gradient.
   *
   * @return the global gradient norm before clipping
   */
  double update(GcgNetwork network, int step, double loss) {
    double gradientNorm = gradientNorm(network);
    if (!Double.isFinite(gradientNorm)) {
      throw new IllegalStateException(
          "non-finite gradient at step "
              + step
              + " (loss "
              + loss
              + ") in "
              + nonFiniteGradients(network)
              + "; lower the learning rate");
    }
    double scale = gradientNorm > clipNorm ? clipNorm / gradientNorm : 1.0;
    adamW.step(network.weights(), step, schedule.at(step), scale);
    return gradientNorm;
  }

  /** The square root of the sum of the squares of every gradient element. */
  private static double gradientNorm(GcgNetwork network) {
    double sumOfSquares = 0;
    for (NDArray weight : network.weights().values()) {
      try (NDArray gradient = weight.getGradient();
          NDArray squares = gradient.square();
          NDArray sum = squares.sum()) {
        sumOfSquares += sum.getFloat();
      }
    }
    return Math.sqrt(sumOfSquares);
  }

  private static List<String> nonFiniteGradients(GcgNetwork network) {
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, NDArray> entry : network.weights().entrySet()) {
      try (NDArray gradient = entry.getValue().getGradient()) {
        for (float value : gradient.toFloatArray()) {
          if (!Float.isFinite(value)) {
            names.add(entry.getKey());
            break;
          }
        }
      }
    }
    return names;
  }
}
