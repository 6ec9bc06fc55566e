package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgNetwork;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Guards against DJL temporaries freed by the garbage collector between forward and backward:
 * gradients must not depend on whether a GC ran in between.
 */
class GradientLifetimeTest {

  private static float[] gradients(boolean collectGarbage) throws InterruptedException {
    GcgConfig config = TrainingFixtures.config(20, false);
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgNetwork network = GcgNetwork.initialize(config, manager, 5);
      for (NDArray weight : network.weights().values()) {
        weight.setRequiresGradient(true);
      }
      try (NDManager scope = manager.newSubManager()) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray pixels =
              scope
                  .ones(new Shape(2, 3, 32, 32))
                  .mul(GcgNetwork.constant(scope.ones(new Shape(1)), 0.3f));
          NDArray bos = scope.zeros(new Shape(2, 1), DataType.INT64);
          NDArray text = scope.ones(new Shape(2, 5), DataType.INT64);
          NDArray visual = network.encodeVision(pixels);
          NDArray hidden = network.forwardTokens(visual, bos, text);
          NDArray projected = network.projectImage(network.encodeGrounding(pixels), visual);
          NDArray rows = hidden.get("0:2, 3, :");
          NDArray loss = network.maskLogits(rows, projected).mean().add(hidden.mean());
          if (collectGarbage) {
            List<byte[]> junk = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
              junk.add(new byte[1 << 20]);
            }
            junk.clear();
            System.gc();
            Thread.sleep(50);
          }
          collector.backward(loss);
        }
        List<Float> values = new ArrayList<>();
        for (NDArray weight : network.weights().values()) {
          values.add(weight.getGradient().abs().sum().getFloat());
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
          out[i] = values.get(i);
        }
        return out;
      }
    }
  }

  @Test
  void gradientsDoNotDependOnAGarbageCollectionBeforeBackward() throws InterruptedException {
    float[] undisturbed = gradients(false);
    float[] collected = gradients(true);
    assertThat(collected).containsExactly(undisturbed, org.assertj.core.data.Offset.offset(1e-4f));
  }
}
