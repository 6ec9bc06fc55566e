package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.djl.DjlGroundedCaptioner;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgModels;
import io.gcgserve.model.djl.GcgTokenizer;
import io.gcgserve.model.djl.ModelFiles;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.TokenPruner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

  @TempDir Path output;

  private static final List<String> WORDS =
      List.of("describe", "the", "image", ".", "a", "red", "blue", "square", "on", "black");

  /** A red or blue square on black, captioned in GCG form with its mask. */
  static TrainingExample square(long index) {
    SplittableRandom random = new SplittableRandom(index);
    int size = 32;
    boolean red = random.nextBoolean();
    int side = 8 + random.nextInt(10);
    int left = random.nextInt(size - side);
    int top = random.nextInt(size - side);
    int[] rgb = new int[size * size];
    BitSet pixels = new BitSet(size * size);
    for (int y = top; y < top + side; y++) {
      for (int x = left; x < left + side; x++) {
        rgb[y * size + x] = red ? 0xff0000 : 0x0000ff;
        pixels.set(y * size + x);
      }
    }
    String caption = "a <p> " + (red ? "red" : "blue") + " square </p> [SEG] on the black image .";
    return new TrainingExample(
        new ImageRgb(size, size, rgb), caption, List.of(new BinaryMask(size, size, pixels, 1f)));
  }

  private static final double WORD_WEIGHT = 0.5;
  private static final double REGION_WEIGHT = 1.0;

  private Trainer trainer(int steps, PrintStream progress) {
    return trainer(steps, progress, false);
  }

  private Trainer trainer(int steps, PrintStream progress, boolean phraseGlance) {
    return trainer(steps, progress, phraseGlance, 16);
  }

  private Trainer trainer(
      int steps, PrintStream progress, boolean phraseGlance, int groundingChannels) {
    byte[] tokenizer = GcgTokenizer.buildTokenizerJson(WORDS);
    GcgConfig config =
        TrainingFixtures.config(
            WORDS.size() + GcgTokenizer.SPECIAL_TOKENS.size(), phraseGlance, groundingChannels);
    TrainingOptions options =
        new TrainingOptions(
            steps,
            4,
            3e-3,
            2,
            0.1,
            0.01,
            1.0,
            7L,
            10,
            5,
            1.0,
            2.0,
            0.5,
            WORD_WEIGHT,
            REGION_WEIGHT);
    return new Trainer(config, tokenizer, options, TrainerTest::square, output, progress);
  }

  private static double ours(StepLosses a, StepLosses b) {
    return (WORD_WEIGHT * (a.words() + b.words()) + REGION_WEIGHT * (a.regions() + b.regions()))
        / 2;
  }

  @Test
  void groundingChannelsThatAreNotAMultipleOf16AreRefusedBeforeAnyStep() {
    PrintStream progress = new PrintStream(new ByteArrayOutputStream(), true);
    for (int channels : new int[] {8, 24}) {
      assertThatThrownBy(() -> trainer(1, progress, false, channels))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("grounding_channels is " + channels)
          .hasMessageContaining("multiple of 16");
    }
    assertThat(output).isEmptyDirectory();
  }

  @Test
  void aStopRequestCheckpointsTheStepInProgressAndResumeContinuesFromIt() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8);
    Trainer stopped = trainer(3, progress);
    stopped.requestStop();
    // step 1 is not a checkpoint step (every 10): the stop saves it anyway
    assertThat(stopped.run(false)).hasSize(1);
    assertThat(Files.readString(output.resolve("checkpoint/state.json"))).contains("\"step\":1");
    assertThat(log.toString(StandardCharsets.UTF_8))
        .contains("stopped at step 1/3 on request", "--resume");
    assertThat(trainer(3, progress).run(true)).hasSize(2);
    assertThat(Files.readString(output.resolve("checkpoint/state.json"))).contains("\"step\":3");
  }

  @Test
  void twentyStepsLowerTheLossAndResumeFromTheCheckpoint() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8);
    List<StepLosses> first = trainer(20, progress).run(false);
    assertThat(first).hasSize(20);
    double early = (first.get(0).total() + first.get(1).total()) / 2;
    double late = (first.get(18).total() + first.get(19).total()) / 2;
    // GLaMM's three losses fall by a fifth; the visual-word and region-word losses fall too
    double earlyGlamm = early - ours(first.get(0), first.get(1));
    double lateGlamm = late - ours(first.get(18), first.get(19));
    assertThat(lateGlamm).isLessThan(earlyGlamm * 0.8);
    assertThat(first.get(0).words()).isGreaterThan(0);
    assertThat(first.get(18).words() + first.get(19).words())
        .isLessThan(first.get(0).words() + first.get(1).words());
    assertThat(first.get(0).regions()).isGreaterThan(0);
    assertThat(first.get(18).regions() + first.get(19).regions())
        .isLessThan(first.get(0).regions() + first.get(1).regions());
    assertThat(log.toString(StandardCharsets.UTF_8))
        .contains("step 20/20", "region-acc", "samples/s", "eta");
    assertThat(output.resolve("checkpoint/state.json")).exists();
    assertThat(output.resolve("model/" + ModelFiles.WEIGHTS)).exists();

    // a longer run resumes at step 21 from the checkpoint instead of starting over
    List<StepLosses> resumed = trainer(25, progress).run(true);
    assertThat(resumed).hasSize(5);
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("resumed from");
    assertThat(resumed.get(0).total()).isLessThan(early);
    assertThat(Files.readString(output.resolve("checkpoint/state.json"))).contains("\"step\":25");
  }

  @Test
  void withThePhraseGlanceTheInPhraseMasksLearnAndTheModelLoadsAndGenerates() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8);
    List<StepLosses> steps = trainer(20, progress, true).run(false);
    // "red square </p>": three in-phrase states per caption, each with a mask loss and a glance
    assertThat(steps.get(0).glanceDice()).isGreaterThan(0);
    assertThat(steps.get(18).glanceDice() + steps.get(19).glanceDice())
        .isLessThan(steps.get(0).glanceDice() + steps.get(1).glanceDice());
    assertThat(steps.get(19).total()).isLessThan(steps.get(0).total());
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("glance-dice", "phrase-acc");
    String config = Files.readString(output.resolve("model/" + ModelFiles.CONFIG));
    assertThat(config).contains("\"phrase_glance\": true");
    // generation glances inside phrases: the model says words, and every phrase gets a mask
    GcgConfig loaded = GcgConfig.parse(config);
    TokenPruner none = new NoPruner().create(Map.of(), loaded.geometry());
    GenerationRequest request =
        new GenerationRequest(
            square(99).image(), "", none, GenerationOptions.greedy(24), () -> false);
    try (GroundedCaptioner captioner = GcgModels.load(output.resolve("model"), "cpu")) {
      NDManager modelManager =
          ((DjlGroundedCaptioner) captioner)
              .network()
              .weights()
              .values()
              .iterator()
              .next()
              .getManager();
      // the first generation also allocates the KV pool, which stays
      GenerationResult result = captioner.generate(request, GenerationListener.IGNORE);
      // greedy and seeded: this model opens a phrase, so the glance path ran
      assertThat(result.caption()).contains("<p>");
      int before = modelManager.getManagedArrays().size();
      assertThat(captioner.generate(request, GenerationListener.IGNORE).caption())
          .isEqualTo(result.caption());
      // the glance's arrays die with their decode step and request
      assertThat(modelManager.getManagedArrays()).hasSize(before);
    }
  }
}
