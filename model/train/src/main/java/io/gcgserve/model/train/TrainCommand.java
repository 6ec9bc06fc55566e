package io.gcgserve.model.train;

import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/gcg-train}: trains the bundled architecture on synthetic grounded scenes generated on
 * the fly, printing a progress line with losses, throughput and ETA, checkpointing atomically and
 * resuming with {@code --resume}. The run is deterministic from {@code --seed}: weights from the
 * seed, example {@code i} of the training split from the data seed and {@code i}.
 */
@Command(
    name = "gcg-train",
    mixinStandardHelpOptions = true,
    description = "Trains the GCG model on synthetic grounded scenes.")
public final class TrainCommand implements Callable<Integer> {

  private static final String ARCHITECTURE = "io/gcgserve/model/train/gcg-tiny.json";

  /** How long a SIGTERM waits for the step in progress and its checkpoint (seconds). */
  private static final long STOP_GRACE_SECONDS = 120;

  @Option(names = "--out", required = true, description = "Output directory (checkpoint/, model/).")
  private Path output;

  @Option(names = "--steps", defaultValue = "3000", description = "Optimizer steps in total.")
  private int steps;

  @Option(names = "--batch-size", defaultValue = "8", description = "Examples per step.")
  private int batchSize;

  @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate.")
  private double learningRate;

  @Option(names = "--warmup", defaultValue = "100", description = "Warm-up steps.")
  private int warmupSteps;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the initial weights.")
  private long seed;

  @Option(names = "--data-seed", defaultValue = "2024", description = "Seed of the scene data.")
  private long dataSeed;

  @Option(
      names = "--checkpoint-every",
      defaultValue = "100",
      description = "Steps between checkpoints.")
  private int checkpointEvery;

  @Option(names = "--log-every", defaultValue = "10", description = "Steps between log lines.")
  private int logEvery;

  @Option(
      names = "--visual-word-weight",
      defaultValue = "0.5",
      description =
          "Weight of the visual-word loss: each visual token should name the words of the phrase"
              + " that covers its patch (0 turns it off).")
  private double visualWordWeight;

  @Option(
      names = "--region-word-weight",
      defaultValue = "1.0",
      description =
          "Weight of the region-word loss: the mean visual token under each grounded phrase's mask"
              + " should name that phrase's words (0 turns it off).")
  private double regionWordWeight;

  @Option(
      names = "--bce-weight",
      defaultValue = "2.0",
      description = "Weight of the per-pixel mask BCE (GLaMM's 2.0).")
  private double bceWeight;

  @Option(
      names = "--dice-weight",
      defaultValue = "2.0",
      description =
          "Weight of the per-mask Dice loss (GLaMM's is 0.5; the model card compares the"
              + " weights behind this default).")
  private double diceWeight;

  @Option(names = "--resume", description = "Continue from OUT/checkpoint if it exists.")
  private boolean resume;

  private TrainCommand() {}

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new TrainCommand()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    SceneExamples scenes = new SceneExamples(dataSeed);
    byte[] tokenizer = GcgTokenizer.buildTokenizerJson(scenes.vocabulary());
    GcgConfig config =
        GcgConfig.parse(resource(ARCHITECTURE))
            .withVocabSize(GcgTokenizer.load(tokenizer).vocabularySize())
            .withDefaultPrompt(scenes.prompt());
    TrainingOptions options =
        new TrainingOptions(
            steps,
            batchSize,
            learningRate,
            warmupSteps,
            0.05,
            0.01,
            1.0,
            seed,
            checkpointEvery,
            logEvery,
            1.0,
            bceWeight,
            diceWeight,
            visualWordWeight,
            regionWordWeight);
    System.err.printf(
        "training %s for %d steps of %d on synthetic scenes (data seed %d) into %s%n",
        config.name(), steps, batchSize, dataSeed, output);
    Trainer trainer =
        new Trainer(
            config, tokenizer, options, scenes.scaledTo(config.imageSize()), output, System.err);
    // SIGTERM or Ctrl-C: let the step in progress finish and checkpoint before the JVM exits,
    // rather than tearing the native engine down under it (which could crash the JVM mid-step)
    CountDownLatch finished = new CountDownLatch(1);
    Thread stopper =
        new Thread(
            () -> {
              trainer.requestStop();
              try {
                finished.await(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "gcg-train-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    try {
      trainer.run(resume);
      System.err.printf("model written to %s%n", trainer.modelDirectory());
    } finally {
      finished.countDown();
    }
    return 0;
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = TrainCommand.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
