package io.gcgserve.model.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.model.BinaryMask;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import org.junit.jupiter.api.Test;

class PhraseGlanceTest {

  @Property(tries = 200)
  void eachPartAveragesItsShareOfTheInterval(
      @ForAll @FloatRange(min = 0, max = 16) float a,
      @ForAll @FloatRange(min = 0, max = 16) float b) {
    int size = 16;
    float lo = Math.min(a, b);
    float hi = Math.max(a, b);
    float[] weights = PhraseGlance.partWeights(lo, hi, size);
    for (int p = 0; p < PhraseGlance.PARTS; p++) {
      double sum = 0;
      for (int c = 0; c < size; c++) {
        assertThat(weights[p * size + c]).isGreaterThanOrEqualTo(0f);
        sum += weights[p * size + c];
      }
      assertThat(sum).isCloseTo(1.0, within(1e-4));
    }
  }

  @Test
  void theBoxOfPositiveCellsIsHalfOpenAndAbsentForAnEmptyMask() {
    float[] logits = new float[8 * 8];
    java.util.Arrays.fill(logits, -1f);
    logits[2 * 8 + 3] = 1f;
    logits[5 * 8 + 6] = 2f;
    assertThat(PhraseGlance.box(logits, 8)).containsExactly(3f, 2f, 7f, 6f);
    java.util.Arrays.fill(logits, -1f);
    assertThat(PhraseGlance.box(logits, 8)).isNull();
  }

  @Test
  void aMaskBoxIsInGridCellsAndJitterMovesItsSidesByAtMostATenthOfItsExtent() {
    BitSet pixels = new BitSet();
    for (int y = 8; y < 24; y++) {
      for (int x = 16; x < 48; x++) {
        pixels.set(y * 64 + x);
      }
    }
    BinaryMask mask = new BinaryMask(64, 64, pixels, 1f);
    assertThat(PhraseGlance.box(mask, 16, null)).containsExactly(4f, 2f, 12f, 6f);
    float[] jittered = PhraseGlance.box(mask, 16, new SplittableRandom(3));
    assertThat(jittered[0]).isBetween(4f - 0.8f, 4f + 0.8f);
    assertThat(jittered[2]).isBetween(12f - 0.8f, 12f + 0.8f);
    assertThat(jittered[1]).isBetween(2f - 0.4f, 2f + 0.4f);
    assertThat(jittered[3]).isBetween(6f - 0.4f, 6f + 0.4f);
    assertThat(PhraseGlance.box(new BinaryMask(64, 64, new BitSet(), 1f), 16, null)).isNull();
  }

  @Test
  void theGlanceProjectsThePartAveragesOfTheBoxAndItsSize() {
    GcgConfig config = TinyModels.config(30);
    GcgConfig glancing =
        GcgConfig.parse(
            config.toJson().replace("\"phrase_glance\": false", "\"phrase_glance\": true"));
    int size = glancing.groundingSize();
    int channels = glancing.groundingChannels() + GroundingDecoder.COORDINATE_CHANNELS;
    int inputs = PhraseGlance.inputs(glancing);
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgNetwork random = GcgNetwork.initialize(glancing, manager, 1);
      // the projection is the identity onto the first d inputs: read the averages back
      Map<String, NDArray> weights = new HashMap<>(random.weights());
      int d = glancing.hiddenSize();
      float[] identity = new float[inputs * d];
      for (int i = 0; i < d; i++) {
        identity[i * d + i] = 1f;
      }
      weights.put("glance.weight", manager.create(identity, new Shape(inputs, d)));
      GcgNetwork network = new GcgNetwork(glancing, weights);
      SplittableRandom values = new SplittableRandom(9);
      float[] features = new float[channels * size * size];
      for (int i = 0; i < features.length; i++) {
        features[i] = (float) values.nextGaussian();
      }
      NDArray featureArray = manager.create(features, new Shape(channels, size, size));
      // a box of 8 x 4 cells at (4, 8): parts of 2 x 1 cells
      float[] glance =
          network.glance(manager, new float[] {4, 8, 12, 12}, featureArray).toFloatArray();
      // input layout: channel-major, then part row, then part column
      for (int i = 0; i < d; i++) {
        int channel = i / 16;
        int partRow = (i / 4) % 4;
        int partColumn = i % 4;
        double expected = 0;
        for (int y = 8 + partRow; y < 9 + partRow; y++) {
          for (int x = 4 + 2 * partColumn; x < 6 + 2 * partColumn; x++) {
            expected += features[(channel * size + y) * size + x] / 2.0;
          }
        }
        assertThat((double) glance[i]).as("input %d", i).isCloseTo(expected, within(1e-4));
      }
    }
  }
}
