package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgTokenizer;
import io.gcgserve.model.djl.ModelFiles;
import io.gcgserve.pruners.ImageRgb;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
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

  private static GcgConfig config(int vocabulary) {
    return new GcgConfig(
        "train-test",
        32,
        8,
        32,
        1,
        2,
        64,
        32,
        4,
        2,
        64,
        vocabulary,
        10000.0,
        1e-5,
        64,
        8,
        4,
        16,
        "describe the image .");
  }

  private static final double WORD_WEIGHT = 0.5;

  private Trainer trainer(int steps, PrintStream progress) {
    byte[] tokenizer = GcgTokenizer.buildTokenizerJson(WORDS);
    GcgConfig config = config(WORDS.size() + GcgTokenizer.SPECIAL_TOKENS.size());
    TrainingOptions options =
        new TrainingOptions(
            steps, 4, 3e-3, 2, 0.1, 0.01, 1.0, 7L, 10, 5, 1.0, 2.0, 0.5, WORD_WEIGHT);
    return new Trainer(config, tokenizer, options, TrainerTest::square, output, progress);
  }

  @Test
  void twentyStepsLowerTheLossAndResumeFromTheCheckpoint() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8);
    List<StepLosses> first = trainer(20, progress).run(false);
    assertThat(first).hasSize(20);
    double early = (first.get(0).total() + first.get(1).total()) / 2;
    double late = (first.get(18).total() + first.get(19).total()) / 2;
    // GLaMM's three losses fall by a fifth; the visual-word loss falls too
    double earlyGlamm = early - WORD_WEIGHT * (first.get(0).words() + first.get(1).words()) / 2;
    double lateGlamm = late - WORD_WEIGHT * (first.get(18).words() + first.get(19).words()) / 2;
    assertThat(lateGlamm).isLessThan(earlyGlamm * 0.8);
    assertThat(first.get(0).words()).isGreaterThan(0);
    assertThat(first.get(18).words() + first.get(19).words())
        .isLessThan(first.get(0).words() + first.get(1).words());
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("step 20/20", "samples/s", "eta");
    assertThat(output.resolve("checkpoint/state.json")).exists();
    assertThat(output.resolve("model/" + ModelFiles.WEIGHTS)).exists();

    // a longer run resumes at step 21 from the checkpoint instead of starting over
    List<StepLosses> resumed = trainer(25, progress).run(true);
    assertThat(resumed).hasSize(5);
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("resumed from");
    assertThat(resumed.get(0).total()).isLessThan(early);
    assertThat(Files.readString(output.resolve("checkpoint/state.json"))).contains("\"step\":25");
  }
}
