package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/**
 * Pins the rule {@link Trainer#CONVOLUTION_CHANNEL_BLOCK} relies on: the native convolution's
 * backward pass gives finite input gradients when the channel counts are multiples of 16, even with
 * NaN left behind in the heap. On an AVX-512 machine 8 or 24 channels broke here in most runs
 * (model/README.md, Training); this test fails if an engine upgrade breaks the safe counts too.
 */
class ConvolutionBackwardTest {

  private static final int RUNS = 40;

  /** The grounding stem's (conv1's) 16 output channels, conv2's input. */
  private static final int STEM = 16;

  /** Runs of a 3×3 convolution like the grounding encoder's whose input gradient held NaN. */
  private static int nonFiniteRuns(int in, int out, int stride, int dilation) {
    int bad = 0;
    for (int run = 0; run < RUNS; run++) {
      try (NDManager junk = NDManager.newBaseManager()) {
        junk.full(new Shape(1 << 16), Float.NaN);
      }
      try (NDManager manager = NDManager.newBaseManager()) {
        NDArray input = manager.ones(new Shape(4, in, 16, 16));
        input.setRequiresGradient(true);
        NDArray weight = manager.ones(new Shape(out, in, 3, 3)).div(10f);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray output =
              Conv2d.conv2d(
                      input,
                      weight,
                      null,
                      new Shape(stride, stride),
                      new Shape(dilation, dilation),
                      new Shape(dilation, dilation))
                  .singletonOrThrow();
          collector.backward(output.mean());
        }
        NDArray gradient = input.getGradient();
        if (gradient.isNaN().any().getBoolean() || gradient.isInfinite().any().getBoolean()) {
          bad++;
        }
      }
    }
    return bad;
  }

  @Test
  void inputGradientsAreFiniteForChannelCountsThatAreMultiplesOf16() {
    for (int channels : new int[] {16, 32}) {
      // the grounding encoder's conv2 (stem in, stride 2), conv3 (dilated) and conv4
      assertThat(nonFiniteRuns(STEM, channels, 2, 1)).as("conv2").isZero();
      assertThat(nonFiniteRuns(channels, channels, 1, 2)).as("conv3, %d", channels).isZero();
      assertThat(nonFiniteRuns(channels, channels, 1, 1)).as("conv4, %d", channels).isZero();
    }
  }
}
