package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgTokenizer;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class BatchBuilderTest {

  private static final List<String> WORDS =
      List.of("describe", "the", "image", ".", "a", "red", "blue", "square", "on", "black");
  private static final GcgTokenizer TOKENIZER =
      GcgTokenizer.load(GcgTokenizer.buildTokenizerJson(WORDS));
  private static final GcgConfig CONFIG = TrainingFixtures.config(TOKENIZER.vocabularySize(), true);
  private static final int BATCH_SIZE = 3;

  private static BatchBuilder builder(long seed) {
    TrainingOptions options =
        new TrainingOptions(
            10, BATCH_SIZE, 1e-3, 2, 0.1, 0.01, 1.0, seed, 5, 5, 1.0, 2.0, 2.0, 0.5, 1.0);
    return new BatchBuilder(CONFIG, TOKENIZER, options, TrainerTest::square);
  }

  private static int sequenceLength(TrainingBatch batch) {
    return 1 + CONFIG.visualTokens() + batch.textLength();
  }

  @Test
  void everySegRowIsTheInputSlotOfASegToken() {
    TrainingBatch batch = builder(7).build(2);
    int seg = TOKENIZER.id(GcgTokenizer.SEG);
    // each square caption has one [SEG]
    assertThat(batch.segRows()).hasSize(BATCH_SIZE);
    for (int s = 0; s < batch.segRows().length; s++) {
      int sample = (int) batch.segSamples()[s];
      long position = batch.segRows()[s] - (long) sample * sequenceLength(batch);
      long textIndex = position - 1 - CONFIG.visualTokens();
      assertThat(batch.textIds()[(int) (sample * batch.textLength() + textIndex)]).isEqualTo(seg);
    }
    int size = CONFIG.groundingSize();
    assertThat(batch.segTargets()).hasSize(BATCH_SIZE * size * size);
  }

  @Test
  void everyGlanceRowPredictsAnInPhraseTargetAndEachPhraseSupervisesOneMask() {
    TrainingBatch batch = builder(7).build(1);
    int close = TOKENIZER.id(GcgTokenizer.PHRASE_CLOSE);
    // "<p> red square </p>": colour, shape and </p> are the in-phrase targets of each caption
    assertThat(batch.phraseTargets()).hasSize(3 * BATCH_SIZE);
    assertThat(batch.glanceRows()).hasSize(3 * BATCH_SIZE);
    for (int g = 0; g < batch.glanceRows().length; g++) {
      int sample = batch.glanceSamples()[g];
      long position = batch.glanceRows()[g] - (long) sample * sequenceLength(batch);
      // the state at position V + P + j predicts caption token j
      long target = position - CONFIG.visualTokens() - batch.promptLength();
      long index = sample * batch.targetLength() + target;
      assertThat(batch.phraseTargets()).contains(index);
      long token = batch.targets()[(int) index];
      assertThat(
              token == close
                  || token == TOKENIZER.id("red")
                  || token == TOKENIZER.id("blue")
                  || token == TOKENIZER.id("square"))
          .isTrue();
    }
    assertThat(batch.glanceMaskRows()).hasSize(BATCH_SIZE);
    assertThat(batch.glanceBoxes()).hasSize(4 * batch.glanceRows().length);
  }

  @Test
  void eachRegionPoolsOnlyItsOwnSamplesTokensWithWeightsSummingToOne() {
    TrainingBatch batch = builder(7).build(3);
    int tokens = CONFIG.visualTokens();
    assertThat(batch.regionWordCounts()).containsOnly(2);
    for (int r = 0; r < batch.regionWordCounts().length; r++) {
      double total = 0;
      int samplesTouched = 0;
      for (int sample = 0; sample < BATCH_SIZE; sample++) {
        int from = (r * BATCH_SIZE + sample) * tokens;
        double sum = 0;
        for (int t = from; t < from + tokens; t++) {
          sum += batch.regionPooling()[t];
        }
        samplesTouched += sum > 0 ? 1 : 0;
        total += sum;
      }
      assertThat(total).isCloseTo(1, Offset.offset(1e-5));
      assertThat(samplesTouched).isEqualTo(1);
    }
  }

  @Test
  void aStepsBatchDependsOnlyOnTheStepAndTheSeed() {
    TrainingBatch first = builder(7).build(4);
    TrainingBatch again = builder(7).build(4);
    assertThat(again.textIds()).isEqualTo(first.textIds());
    assertThat(again.glanceBoxes()).isEqualTo(first.glanceBoxes());
    assertThat(again.glanceMaskRows()).isEqualTo(first.glanceMaskRows());
    assertThat(again.visualWordTargets()).isEqualTo(first.visualWordTargets());
    assertThat(builder(7).build(5).textIds()).isNotEqualTo(first.textIds());
    // the seed draws the glance's box jitter
    assertThat(builder(8).build(4).glanceBoxes()).isNotEqualTo(first.glanceBoxes());
    assertThat(Arrays.equals(builder(8).build(4).textIds(), first.textIds())).isTrue();
  }
}
