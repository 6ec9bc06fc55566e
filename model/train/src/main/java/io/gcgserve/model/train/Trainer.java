package io.gcgserve.model.train;

import static io.gcgserve.model.djl.GcgNetwork.constant;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgNetwork;
import io.gcgserve.model.djl.GcgTokenizer;
import io.gcgserve.model.djl.Images;
import io.gcgserve.model.djl.PhraseGlance;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Trains a GCG model: teacher-forced forward over {@code [BOS] [visual] [prompt] caption [EOS]},
 * then the weighted sum of the loss terms, AdamW with warm-up and cosine decay, global-norm
 * clipping, and atomic checkpoints. This class orchestrates; each concern has its own class so that
 * it can be read and tested alone:
 *
 * <ul>
 *   <li>{@link BatchBuilder}: the examples of a step turned into a {@link TrainingBatch};
 *   <li>{@link CaptionLoss}: caption cross-entropy (GLaMM's);
 *   <li>{@link SegMaskLoss} and {@link MaskLosses}: BCE and Dice of every {@code [SEG]}'s mask
 *       (GLaMM's);
 *   <li>{@link VisualWordLoss} and {@link RegionWordLoss}: ours, which teach the visual tokens the
 *       words of the phrases over them;
 *   <li>{@link PhraseGlanceLoss}: with {@code phrase_glance} in the config (see {@link
 *       PhraseGlance}), the glance added to the in-phrase states and their mask loss;
 *   <li>{@link TrainingOptimizer}: clipping, {@link AdamW} and the {@link LearningRateSchedule};
 *   <li>{@link Checkpoints}: atomic checkpoints, resume and the exported model directory.
 * </ul>
 */
public final class Trainer {

  /**
   * The region-word loss reads the visual tokens twice: as they enter the LLM and as they enter
   * this layer, where the bundled pruners cut by default (FastV's and ALTP's K = 2). The first two
   * LLM layers add depth (the vision encoder has two) for a shape to be assembled from its region's
   * patches, and every token a pruner keeps then carries its region's words.
   */
  static final int REGION_TAP_LAYER = 2;

  /**
   * Training refuses grounding channel counts that are not a multiple of this: the native
   * convolution's backward pass returns NaN input gradients for them on AVX-512 machines, whose
   * kernels work in blocks of 16 floats ({@code ConvolutionBackwardTest} pins the safe counts).
   */
  static final int CONVOLUTION_CHANNEL_BLOCK = 16;

  private final GcgConfig config;
  private final GcgTokenizer tokenizer;
  private final TrainingOptions options;
  private final BatchBuilder batches;
  private final Checkpoints checkpoints;
  private final PrintStream progress;
  private final AtomicBoolean stopRequested = new AtomicBoolean();

  /**
   * Creates a trainer.
   *
   * @param tokenizerJson the tokenizer to train with; its vocabulary size must match {@code config}
   * @param progress where progress lines go (stderr for the CLI)
   */
  public Trainer(
      GcgConfig config,
      byte[] tokenizerJson,
      TrainingOptions options,
      ExampleSource source,
      Path outputDirectory,
      PrintStream progress) {
    this.config = Objects.requireNonNull(config, "config is null");
    this.tokenizer = GcgTokenizer.load(tokenizerJson);
    if (tokenizer.vocabularySize() != config.vocabSize()) {
      throw new IllegalArgumentException(
          "config vocab_size "
              + config.vocabSize()
              + " does not match the tokenizer's "
              + tokenizer.vocabularySize());
    }
    if (config.groundingChannels() % CONVOLUTION_CHANNEL_BLOCK != 0) {
      throw new IllegalArgumentException(
          "config grounding_channels is "
              + config.groundingChannels()
              + "; training needs a multiple of "
              + CONVOLUTION_CHANNEL_BLOCK
              + ": PyTorch 2.5.1's CPU convolution backward returns NaN input gradients for other"
              + " channel counts on AVX-512 machines (model/README.md, Training)");
    }
    this.options = Objects.requireNonNull(options, "options is null");
    this.batches = new BatchBuilder(config, tokenizer, options, source);
    this.checkpoints = new Checkpoints(outputDirectory, config, tokenizerJson, options);
    this.progress = Objects.requireNonNull(progress, "progress is null");
  }

  /**
   * Asks a running {@link #run} to stop after the step in progress, checkpointing it, so that an
   * interrupted run loses nothing and {@code --resume} continues from there. Safe from any thread
   * (the CLI calls it from its shutdown hook on SIGTERM or Ctrl-C); before {@code run}, it makes
   * {@code run} stop after one step.
   */
  public void requestStop() {
    stopRequested.set(true);
  }

  /** Directory of the latest checkpoint. */
  public Path checkpointDirectory() {
    return checkpoints.checkpointDirectory();
  }

  /** Directory of the exported model. */
  public Path modelDirectory() {
    return checkpoints.modelDirectory();
  }

  /**
   * Trains until {@code options.steps()}, starting from the checkpoint when {@code resume} is set
   * and one exists.
   *
   * @return the losses of every step run by this call
   */
  public List<StepLosses> run(boolean resume) throws IOException {
    Files.createDirectories(checkpoints.outputDirectory());
    List<StepLosses> history = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgNetwork network = GcgNetwork.initialize(config, manager, options.seed());
      TrainingOptimizer optimizer = new TrainingOptimizer(options);
      optimizer.initialize(network, manager);
      int startStep = 0;
      if (resume && checkpoints.exists()) {
        startStep = checkpoints.restore(network, optimizer, manager);
        progress.printf("resumed from %s at step %d%n", checkpointDirectory(), startStep);
      } else if (resume) {
        progress.printf("no checkpoint in %s; starting from step 0%n", checkpointDirectory());
      }
      for (NDArray weight : network.weights().values()) {
        weight.setRequiresGradient(true);
      }
      ProgressWindow window = new ProgressWindow();
      long windowStart = System.nanoTime();
      long runStart = System.nanoTime();
      for (int step = startStep + 1; step <= options.steps(); step++) {
        StepLosses losses = trainStep(network, optimizer, manager, step);
        history.add(losses);
        window.add(losses);
        if (step % options.logEvery() == 0 || step == options.steps()) {
          double seconds = (System.nanoTime() - windowStart) / 1e9;
          double samplesPerSecond = window.steps() * options.batchSize() / seconds;
          double elapsed = (System.nanoTime() - runStart) / 1e9;
          double eta = elapsed / (step - startStep) * (options.steps() - step);
          progress.print(
              window.line(
                  step,
                  options.steps(),
                  losses.gradientNorm(),
                  optimizer.learningRateAt(step),
                  samplesPerSecond,
                  elapsed,
                  eta));
          windowStart = System.nanoTime();
        }
        boolean stopping = stopRequested.get() && step < options.steps();
        if (step % options.checkpointEvery() == 0 || step == options.steps() || stopping) {
          checkpoints.save(network, optimizer, step, losses);
        }
        if (stopping) {
          progress.printf(
              "stopped at step %d/%d on request; checkpoint saved in %s, continue with --resume%n",
              step, options.steps(), checkpointDirectory());
          break;
        }
      }
    }
    return history;
  }

  /**
   * One step: forward, every loss term and backward under a gradient collector, then the
   * optimiser's update once the collector is closed (so that the update is not recorded).
   */
  private StepLosses trainStep(
      GcgNetwork network, TrainingOptimizer optimizer, NDManager manager, int step) {
    TrainingBatch batch = batches.build(step);
    try (NDManager scope = manager.newSubManager()) {
      StepLosses losses;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        losses = backward(collector, network, scope, batch);
      }
      // read and apply the gradients while the graph's arrays are still alive
      double gradientNorm = optimizer.update(network, step, losses.total());
      return losses.withGradientNorm(gradientNorm);
    }
  }

  /**
   * The forward pass, the weighted sum of the loss terms and its backward. The terms are built in
   * the order of the forward pass and summed in a fixed order, so that a run is reproducible bit
   * for bit.
   *
   * @return the step's losses, its gradient norm not yet known (0)
   */
  private StepLosses backward(
      GradientCollector collector, GcgNetwork network, NDManager scope, TrainingBatch batch) {
    int batchSize = batch.batchSize();
    NDArray pixels = Images.toTensor(scope, batch.images());
    NDArray bos =
        scope
            .full(new Shape(batchSize, 1), tokenizer.id(GcgTokenizer.BOS))
            .toType(DataType.INT64, false);
    NDArray textIds = scope.create(batch.textIds(), new Shape(batchSize, batch.textLength()));
    NDArray visualTokens = network.encodeVision(pixels);
    NDArray visualWordLoss =
        options.visualWordLossWeight() > 0
            ? VisualWordLoss.of(network, scope, batch, visualTokens)
            : null;
    RegionWordLoss regionWords =
        batch.regionWordCounts().length > 0
            ? RegionWordLoss.readInput(network, scope, batch, visualTokens)
            : null;
    NDList forward = network.forwardTokens(visualTokens, bos, textIds, REGION_TAP_LAYER);
    NDArray hidden = forward.get(0);
    RegionWordLoss.Result regions =
        regionWords == null ? null : regionWords.readTap(forward.get(1));
    NDArray features = network.encodeGrounding(pixels);
    NDArray projected = network.projectImage(features, visualTokens);
    PhraseGlanceLoss.Result glance =
        batch.glanceRows().length > 0
            ? PhraseGlanceLoss.apply(network, scope, batch, options, hidden, features, projected)
            : null;
    CaptionLoss.Result caption =
        CaptionLoss.of(network, scope, batch, glance == null ? hidden : glance.captionHidden());
    NDArray loss = weighted(caption.loss(), options.textLossWeight());
    if (glance != null) {
      loss = loss.add(glance.maskLoss());
    }
    MaskLosses masks = null;
    if (batch.segRows().length > 0) {
      masks = SegMaskLoss.of(network, scope, batch, hidden, projected);
      loss =
          loss.add(weighted(masks.bce(), options.bceLossWeight()))
              .add(weighted(masks.dice(), options.diceLossWeight()));
    }
    if (visualWordLoss != null) {
      loss = loss.add(weighted(visualWordLoss, options.visualWordLossWeight()));
    }
    if (regions != null) {
      loss = loss.add(weighted(regions.loss(), options.regionWordLossWeight()));
    }
    StepLosses losses =
        new StepLosses(
            loss.getFloat(),
            caption.loss().getFloat(),
            masks == null ? 0 : masks.bce().getFloat(),
            masks == null ? 0 : masks.dice().getFloat(),
            visualWordLoss == null ? 0 : visualWordLoss.getFloat(),
            regions == null ? 0 : regions.value(),
            regions == null ? 0 : regions.accuracy(),
            glance == null ? 0 : glance.dice(),
            caption.phraseAccuracy(),
            0);
    collector.backward(loss);
    return losses;
  }

  /** {@code term} times {@code weight}, the weight a scalar in the term's scope. */
  private static NDArray weighted(NDArray term, double weight) {
    return term.mul(constant(term, (float) weight));
  }
}
