package io.gcgserve.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (decoupled weight decay) over named NDArrays, with its moment estimates exposed so that a
 * checkpoint can save and restore them exactly. Weight decay applies to matrices only, not to
 * biases, norm gains or 1-D parameters.
 */
final class AdamW {

  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final double weightDecay;
  private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
  private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();

  AdamW(double beta1, double beta2, double epsilon, double weightDecay) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.weightDecay = weightDecay;
  }

  /** Creates zero moments for every parameter, owned by {@code manager}. */
  void initialize(Map<String, NDArray> parameters, NDManager manager) {
    for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
      firstMoments.put(entry.getKey(), manager.zeros(entry.getValue().getShape()));
      secondMoments.put(entry.getKey(), manager.zeros(entry.getValue().getShape()));
    }
  }

  /** Moment tensors by name, {@code m.<param>} and {@code v.<param>}, for checkpoints. */
  Map<String, NDArray> state() {
    Map<String, NDArray> state = new LinkedHashMap<>();
    firstMoments.forEach((name, value) -> state.put("m." + name, value));
    secondMoments.forEach((name, value) -> state.put("v." + name, value));
    return state;
  }

  /** Restores moments saved by {@link #state()}. */
  void restore(Map<String, NDArray> state) {
    for (String name : firstMoments.keySet()) {
      NDArray m = state.get("m." + name);
      NDArray v = state.get("v." + name);
      if (m == null || v == null) {
        throw new IllegalStateException("optimizer checkpoint lacks moments of " + name);
      }
      moment(firstMoments, name).set(m.toFloatArray());
      moment(secondMoments, name).set(v.toFloatArray());
    }
  }

  /**
   * One update at step {@code step} (1-based) with learning rate {@code learningRate}; gradients
   * are scaled by {@code gradientScale} (clipping) and then zeroed.
   */
  void step(Map<String, NDArray> parameters, int step, double learningRate, double gradientScale) {
    double correction1 = 1 - Math.pow(beta1, step);
    double correction2 = 1 - Math.pow(beta2, step);
    for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
      NDArray parameter = entry.getValue();
      NDManager scope = parameter.getManager().newSubManager();
      try (scope) {
        NDArray gradient = parameter.getGradient();
        gradient.attach(scope);
        NDArray scaled = gradient.mul((float) gradientScale);
        NDArray m = moment(firstMoments, entry.getKey());
        NDArray v = moment(secondMoments, entry.getKey());
        m.muli((float) beta1).addi(scaled.mul((float) (1 - beta1)));
        v.muli((float) beta2).addi(scaled.square().muli((float) (1 - beta2)));
        // temporaries derived from optimizer state are moved into this step's scope explicitly
        NDArray update = m.div((float) correction1);
        update.attach(scope);
        NDArray corrected = v.div((float) correction2);
        corrected.attach(scope);
        update.divi(corrected.sqrt().addi((float) epsilon));
        if (parameter.getShape().dimension() >= 2 && weightDecay > 0) {
          NDArray decay = parameter.mul((float) weightDecay);
          decay.attach(scope);
          update.addi(decay);
        }
        parameter.subi(update.muli((float) learningRate));
        gradient.muli(0f);
      }
    }
  }

  /** The moment of parameter {@code name}; every trained parameter has one from construction. */
  private static NDArray moment(Map<String, NDArray> moments, String name) {
    NDArray moment = moments.get(name);
    if (moment == null) {
      throw new IllegalStateException("no optimizer moments for parameter " + name);
    }
    return moment;
  }
}
