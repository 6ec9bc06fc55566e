package io.gcgserve.model.train;

import static io.gcgserve.model.djl.GcgNetwork.constant;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgNetwork;
import io.gcgserve.model.djl.GcgTokenizer;
import io.gcgserve.model.djl.Images;
import io.gcgserve.model.djl.ModelFiles;
import io.gcgserve.model.djl.PhraseGlance;
import io.gcgserve.model.djl.SafeTensors;
import io.gcgserve.pruners.ImageRgb;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Trains a GCG model: teacher-forced forward over {@code [BOS] [visual] [prompt] caption [EOS]},
 * caption cross-entropy plus BCE and Dice on the mask of every {@code [SEG]}, AdamW with warm-up
 * and cosine decay, global-norm clipping.
 *
 * <p>One loss is ours, not GLaMM's: the <em>visual-word</em> loss. Each visual token, read through
 * the tied output head, is trained towards the words of the grounded phrase covering its patch
 * (soft cross-entropy, each phrase's words weighted by the share of the patch it covers). It gives
 * the vision encoder 576 labels per image instead of a few dozen caption tokens, and puts visual
 * tokens and the words that describe them in one space, which the captioning and the mask decoder's
 * region keys both read.
 *
 * <p>A second is ours too: the <em>region-word</em> loss. The coverage-weighted mean of the visual
 * tokens under each grounded phrase's mask, read through the same head, is trained towards that
 * phrase's words, so that the region's tokens together name it, as the captioner's attention reads
 * them. Measured: it lifted the bundled model's texture accuracy from 50% to 83%, but not its shape
 * accuracy (12%, chance over 8 shapes): a mean keeps which features a region has, not where, and
 * {@code ShapeProbe} finds shape learnable only through a readout that keeps layout.
 *
 * <p>With {@code phrase_glance} in the config (see {@link PhraseGlance}), the states that predict
 * the words of a phrase add a layout-keeping readout of the phrase's box to their output; training
 * takes the box from the reference mask (jittered), and one such state per phrase also learns the
 * phrase's mask, at {@link #GLANCE_MASK_SHARE} of the {@code [SEG]} mask losses' weight, so that
 * generation can aim the glance with its own mask.
 *
 * <p>Output directory layout: {@code checkpoint/} (float32 weights, optimizer moments, {@code
 * state.json}) replaced atomically every {@code checkpointEvery} steps, and {@code model/}, an
 * HF-style model directory (float16 weights) that the server can load, refreshed at each checkpoint
 * so that an interrupted run still leaves a usable model.
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
   * Weight of the masks decoded inside phrases (which aim the phrase glance; one state per phrase)
   * relative to the {@code [SEG]} masks: half, as they are guesses made before the phrase is
   * complete.
   */
  static final double GLANCE_MASK_SHARE = 0.5;

  private final GcgConfig config;
  private final GcgTokenizer tokenizer;
  private final byte[] tokenizerJson;
  private final TrainingOptions options;
  private final ExampleSource source;
  private final Path outputDirectory;
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
    this.tokenizerJson = tokenizerJson.clone();
    this.tokenizer = GcgTokenizer.load(tokenizerJson);
    if (tokenizer.vocabularySize() != config.vocabSize()) {
      throw new IllegalArgumentException(
          "config vocab_size "
              + config.vocabSize()
              + " does not match the tokenizer's "
              + tokenizer.vocabularySize());
    }
    this.options = Objects.requireNonNull(options, "options is null");
    this.source = Objects.requireNonNull(source, "source is null");
    this.outputDirectory = Objects.requireNonNull(outputDirectory, "outputDirectory is null");
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
    return outputDirectory.resolve("checkpoint");
  }

  /** Directory of the exported model. */
  public Path modelDirectory() {
    return outputDirectory.resolve("model");
  }

  /**
   * Trains until {@code options.steps()}, starting from the checkpoint when {@code resume} is set
   * and one exists.
   *
   * @return the losses of every step run by this call
   */
  public List<StepLosses> run(boolean resume) throws IOException {
    Files.createDirectories(outputDirectory);
    List<StepLosses> history = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgNetwork network = GcgNetwork.initialize(config, manager, options.seed());
      AdamW optimizer = new AdamW(0.9, 0.95, 1e-8, options.weightDecay());
      optimizer.initialize(network.weights(), manager);
      int startStep = 0;
      if (resume && Files.exists(checkpointDirectory().resolve("state.json"))) {
        startStep = restore(network, optimizer, manager);
        progress.printf("resumed from %s at step %d%n", checkpointDirectory(), startStep);
      } else if (resume) {
        progress.printf("no checkpoint in %s; starting from step 0%n", checkpointDirectory());
      }
      for (NDArray weight : network.weights().values()) {
        weight.setRequiresGradient(true);
      }
      long windowStart = System.nanoTime();
      int windowSteps = 0;
      double windowLoss = 0;
      double windowText = 0;
      double windowBce = 0;
      double windowDice = 0;
      double windowWords = 0;
      double windowRegions = 0;
      double windowRegionAccuracy = 0;
      double windowGlanceDice = 0;
      double windowPhraseAccuracy = 0;
      long runStart = System.nanoTime();
      for (int step = startStep + 1; step <= options.steps(); step++) {
        StepLosses losses = trainStep(network, optimizer, manager, step);
        history.add(losses);
        windowSteps++;
        windowLoss += losses.total();
        windowText += losses.text();
        windowBce += losses.bce();
        windowDice += losses.dice();
        windowWords += losses.words();
        windowRegions += losses.regions();
        windowRegionAccuracy += losses.regionAccuracy();
        windowGlanceDice += losses.glanceDice();
        windowPhraseAccuracy += losses.phraseAccuracy();
        if (step % options.logEvery() == 0 || step == options.steps()) {
          double seconds = (System.nanoTime() - windowStart) / 1e9;
          double samplesPerSecond = windowSteps * options.batchSize() / seconds;
          double elapsed = (System.nanoTime() - runStart) / 1e9;
          double eta = elapsed / (step - startStep) * (options.steps() - step);
          progress.printf(
              "step %d/%d  loss %.4f (text %.4f  bce %.4f  dice %.4f  words %.4f  regions %.4f)  "
                  + "region-acc %.1f%%  glance-dice %.4f  phrase-acc %.1f%%  |g| %.2f  lr %.2e  "
                  + "%.2f samples/s  elapsed %s  eta %s%n",
              step,
              options.steps(),
              windowLoss / windowSteps,
              windowText / windowSteps,
              windowBce / windowSteps,
              windowDice / windowSteps,
              windowWords / windowSteps,
              windowRegions / windowSteps,
              100 * windowRegionAccuracy / windowSteps,
              windowGlanceDice / windowSteps,
              100 * windowPhraseAccuracy / windowSteps,
              losses.gradientNorm(),
              options.learningRateAt(step),
              samplesPerSecond,
              duration(elapsed),
              duration(eta));
          windowStart = System.nanoTime();
          windowSteps = 0;
          windowLoss = 0;
          windowText = 0;
          windowBce = 0;
          windowDice = 0;
          windowWords = 0;
          windowRegions = 0;
          windowRegionAccuracy = 0;
          windowGlanceDice = 0;
          windowPhraseAccuracy = 0;
        }
        boolean stopping = stopRequested.get() && step < options.steps();
        if (step % options.checkpointEvery() == 0 || step == options.steps() || stopping) {
          saveCheckpoint(network, optimizer, step, losses);
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

  private static String duration(double seconds) {
    long total = Math.round(seconds);
    return total >= 3600
        ? String.format("%dh%02dm", total / 3600, (total % 3600) / 60)
        : String.format("%dm%02ds", total / 60, total % 60);
  }

  /** The tensors of one batch, built on the CPU side. */
  private record Batch(
      ImageRgb[] images,
      long[] textIds,
      int textLength,
      long[] targets,
      float[] targetMask,
      int targetLength,
      long[] segRows,
      long[] segSamples,
      float[] segTargets,
      float[] visualWordTargets,
      float[] regionPooling,
      float[] regionTargets,
      int[] regionWordCounts,
      long[] phraseTargets,
      long[] glanceRows,
      int[] glanceSamples,
      float[] glanceBoxes,
      long[] glanceMaskRows,
      float[] glanceTargets) {}

  private Batch buildBatch(int step) {
    int batchSize = options.batchSize();
    int[] promptIds = tokenizer.promptIds(config.defaultPrompt());
    int eos = tokenizer.id(GcgTokenizer.EOS);
    int pad = tokenizer.id(GcgTokenizer.PAD);
    int seg = tokenizer.id(GcgTokenizer.SEG);
    ImageRgb[] images = new ImageRgb[batchSize];
    int[][] captions = new int[batchSize][];
    List<List<BinaryMask>> masks = new ArrayList<>();
    int longest = 0;
    for (int i = 0; i < batchSize; i++) {
      TrainingExample example = source.example((long) (step - 1) * batchSize + i);
      if (example.image().width() != config.imageSize()
          || example.image().height() != config.imageSize()) {
        throw new IllegalArgumentException(
            "training images must be " + config.imageSize() + "x" + config.imageSize());
      }
      images[i] = example.image();
      int[] words = tokenizer.encode(example.caption());
      captions[i] = java.util.Arrays.copyOf(words, words.length + 1);
      captions[i][words.length] = eos;
      longest = Math.max(longest, captions[i].length);
      masks.add(example.segMasks());
    }
    int textLength = promptIds.length + longest;
    int visual = config.visualTokens();
    int sequenceLength = 1 + visual + textLength;
    long[] textIds = new long[batchSize * textLength];
    long[] targets = new long[batchSize * longest];
    float[] targetMask = new float[batchSize * longest];
    java.util.Arrays.fill(textIds, pad);
    java.util.Arrays.fill(targets, pad);
    List<Long> segRows = new ArrayList<>();
    List<Long> segSamples = new ArrayList<>();
    List<BinaryMask> segMasks = new ArrayList<>();
    for (int i = 0; i < batchSize; i++) {
      for (int j = 0; j < promptIds.length; j++) {
        textIds[i * textLength + j] = promptIds[j];
      }
      int segIndex = 0;
      for (int j = 0; j < captions[i].length; j++) {
        int token = captions[i][j];
        textIds[i * textLength + promptIds.length + j] = token;
        targets[i * longest + j] = token;
        targetMask[i * longest + j] = 1f;
        if (token == seg) {
          if (segIndex >= masks.get(i).size()) {
            throw new IllegalArgumentException(
                "caption has more [SEG] than masks: " + source.getClass().getSimpleName());
          }
          // the [SEG] input slot: after BOS, the visual tokens and the prompt
          segRows.add((long) i * sequenceLength + 1 + visual + promptIds.length + j);
          segSamples.add((long) i);
          segMasks.add(masks.get(i).get(segIndex++));
        }
      }
      if (segIndex != masks.get(i).size()) {
        throw new IllegalArgumentException(
            "caption has " + segIndex + " [SEG] but " + masks.get(i).size() + " masks");
      }
    }
    // words inside phrases: targets j with <p> before them and </p> at or after them; with the
    // glance, the state predicting each (input slot of token j - 1) looks at its phrase's box, and
    // one such state per phrase, drawn at random, learns the phrase's mask (all of them cost 2.5x
    // the step time: the mask decoder runs at full grounding resolution)
    int size = config.groundingSize();
    List<Long> phraseTargets = new ArrayList<>();
    List<Long> glanceRows = new ArrayList<>();
    List<Integer> glanceSamples = new ArrayList<>();
    List<float[]> glanceBoxes = new ArrayList<>();
    List<Long> glanceMaskRows = new ArrayList<>();
    List<BinaryMask> glanceMasks = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(options.seed() * 1_000_003L + step);
    for (int i = 0; i < batchSize; i++) {
      for (int[] phrase : phraseSpans(captions[i])) {
        int open = phrase[0];
        int close = phrase[1];
        int maskIndex = phrase[2];
        float[] box =
            config.phraseGlance() && maskIndex >= 0
                ? PhraseGlance.box(masks.get(i).get(maskIndex), size, random)
                : null;
        int supervised = box == null ? -1 : open + 1 + random.nextInt(close - open);
        for (int j = open + 1; j <= close; j++) {
          phraseTargets.add((long) i * longest + j);
          if (box != null) {
            glanceRows.add((long) i * sequenceLength + visual + promptIds.length + j);
            glanceSamples.add(i);
            glanceBoxes.add(box);
            if (j == supervised) {
              glanceMaskRows.add((long) glanceRows.size() - 1);
              glanceMasks.add(masks.get(i).get(maskIndex));
            }
          }
        }
      }
    }
    float[] glanceBoxArray = new float[glanceBoxes.size() * 4];
    float[] glanceTargets = new float[glanceMasks.size() * size * size];
    for (int g = 0; g < glanceBoxes.size(); g++) {
      System.arraycopy(glanceBoxes.get(g), 0, glanceBoxArray, 4 * g, 4);
    }
    for (int g = 0; g < glanceMasks.size(); g++) {
      downsample(glanceMasks.get(g), size, glanceTargets, g * size * size);
    }
    float[] segTargets = new float[segMasks.size() * size * size];
    for (int s = 0; s < segMasks.size(); s++) {
      downsample(segMasks.get(s), size, segTargets, s * size * size);
    }
    // both of our losses read each grounded phrase's coverage of the patch grid, computed once
    int grid = config.gridSize();
    int tokens = grid * grid;
    int vocabulary = config.vocabSize();
    float[] visualWordTargets =
        new float[options.visualWordLossWeight() > 0 ? batchSize * tokens * vocabulary : 0];
    // region-word pooling: row r averages the visual tokens under region r's mask (coverage
    // weights summing to 1) over the whole batch's tokens, so one matmul pools every region
    List<float[]> pooling = new ArrayList<>();
    List<int[]> regionWords = new ArrayList<>();
    List<Integer> regionSamples = new ArrayList<>();
    if (options.visualWordLossWeight() > 0 || options.regionWordLossWeight() > 0) {
      for (int i = 0; i < batchSize; i++) {
        List<int[]> phrases = segPhraseWords(captions[i]);
        for (int k = 0; k < phrases.size(); k++) {
          int[] words = phrases.get(k);
          float[] cover = new float[tokens];
          downsample(masks.get(i).get(k), grid, cover, 0);
          double total = 0;
          for (int patch = 0; patch < tokens; patch++) {
            total += cover[patch];
            if (visualWordTargets.length > 0) {
              for (int word : words) {
                visualWordTargets[(i * tokens + patch) * vocabulary + word] +=
                    cover[patch] / words.length;
              }
            }
          }
          if (options.regionWordLossWeight() > 0 && words.length > 0 && total > 0) {
            for (int patch = 0; patch < tokens; patch++) {
              cover[patch] = (float) (cover[patch] / total);
            }
            pooling.add(cover);
            regionWords.add(words);
            regionSamples.add(i);
          }
        }
      }
    }
    int regionCount = pooling.size();
    float[] regionPooling = new float[regionCount * batchSize * tokens];
    float[] regionTargets = new float[regionCount * vocabulary];
    int[] regionWordCounts = new int[regionCount];
    for (int r = 0; r < regionCount; r++) {
      int sample = regionSamples.get(r);
      System.arraycopy(pooling.get(r), 0, regionPooling, (r * batchSize + sample) * tokens, tokens);
      int[] words = regionWords.get(r);
      for (int word : words) {
        regionTargets[r * vocabulary + word] += 1f / words.length;
      }
      regionWordCounts[r] = (int) java.util.Arrays.stream(words).distinct().count();
    }
    return new Batch(
        images,
        textIds,
        textLength,
        targets,
        targetMask,
        longest,
        segRows.stream().mapToLong(Long::longValue).toArray(),
        segSamples.stream().mapToLong(Long::longValue).toArray(),
        segTargets,
        visualWordTargets,
        regionPooling,
        regionTargets,
        regionWordCounts,
        phraseTargets.stream().mapToLong(Long::longValue).toArray(),
        glanceRows.stream().mapToLong(Long::longValue).toArray(),
        glanceSamples.stream().mapToInt(Integer::intValue).toArray(),
        glanceBoxArray,
        glanceMaskRows.stream().mapToLong(Long::longValue).toArray(),
        glanceTargets);
  }

  /**
   * Each phrase of a caption as {@code {index of <p>, index of </p>, mask index}}, the mask index
   * being that of the first {@code [SEG]} after the phrase's {@code </p>} and before the next
   * {@code </p>}, or -1 when there is none.
   */
  private List<int[]> phraseSpans(int[] caption) {
    int open = tokenizer.id(GcgTokenizer.PHRASE_OPEN);
    int close = tokenizer.id(GcgTokenizer.PHRASE_CLOSE);
    int seg = tokenizer.id(GcgTokenizer.SEG);
    List<int[]> spans = new ArrayList<>();
    int start = -1;
    int segs = 0;
    int[] pending = null;
    for (int j = 0; j < caption.length; j++) {
      if (caption[j] == open) {
        start = j;
      } else if (caption[j] == close && start >= 0) {
        pending = new int[] {start, j, -1};
        spans.add(pending);
        start = -1;
      } else if (caption[j] == seg) {
        if (pending != null) {
          pending[2] = segs;
          pending = null;
        }
        segs++;
      }
    }
    return spans;
  }

  /**
   * For each {@code [SEG]} of a caption, in order (so index k goes with mask k), the word ids of
   * the phrase closed by the last {@code </p>} before it; empty when no phrase precedes it.
   */
  private List<int[]> segPhraseWords(int[] caption) {
    int seg = tokenizer.id(GcgTokenizer.SEG);
    List<int[]> phrases = new ArrayList<>();
    for (int token : caption) {
      if (token == seg) {
        phrases.add(new int[0]);
      }
    }
    for (int[] span : phraseSpans(caption)) {
      if (span[2] >= 0) {
        phrases.set(span[2], java.util.Arrays.copyOfRange(caption, span[0] + 1, span[1]));
      }
    }
    return phrases;
  }

  /** Area fraction of each low-resolution cell covered by the mask: soft targets. */
  private static void downsample(BinaryMask mask, int size, float[] out, int offset) {
    int cell = mask.width() / size;
    float area = cell * cell;
    for (int y = 0; y < mask.height(); y++) {
      int row = Math.min(y / cell, size - 1);
      for (int x = 0; x < mask.width(); x++) {
        if (mask.get(x, y)) {
          out[offset + row * size + Math.min(x / cell, size - 1)] += 1f / area;
        }
      }
    }
  }

  // the region arrays are set and read under the same regionCount > 0 guard, which NullAway
  // cannot relate across the two blocks
  @SuppressWarnings("NullAway")
  private StepLosses trainStep(GcgNetwork network, AdamW optimizer, NDManager manager, int step) {
    Batch batch = buildBatch(step);
    int batchSize = options.batchSize();
    int visual = config.visualTokens();
    int promptLength = batch.textLength() - batch.targetLength();
    double text;
    double bce = 0;
    double dice = 0;
    double words = 0;
    double regions = 0;
    double regionAccuracy = 0;
    double glanceDice = 0;
    double phraseAccuracy;
    NDArray visualWordLoss = null;
    NDArray regionWordLoss = null;
    double total;
    double gradientNorm;
    try (NDManager scope = manager.newSubManager()) {
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray pixels = Images.toTensor(scope, batch.images());
        NDArray bos =
            scope
                .full(new Shape(batchSize, 1), tokenizer.id(GcgTokenizer.BOS))
                .toType(ai.djl.ndarray.types.DataType.INT64, false);
        NDArray textIds = scope.create(batch.textIds(), new Shape(batchSize, batch.textLength()));
        NDArray visualTokens = network.encodeVision(pixels);
        if (options.visualWordLossWeight() > 0) {
          int vocabulary = config.vocabSize();
          NDArray wordTargets =
              scope.create(batch.visualWordTargets(), new Shape(batchSize, visual, vocabulary));
          NDArray wordLoss =
              network
                  .logits(visualTokens)
                  .logSoftmax(2)
                  .mul(wordTargets)
                  .sum()
                  .neg()
                  .div(wordTargets.sum().add(constant(visualTokens, 1e-6f)));
          visualWordLoss = wordLoss;
          words = wordLoss.getFloat();
        }
        NDArray regionPooling = null;
        NDArray regionTargets = null;
        int regionCount = batch.regionWordCounts().length;
        if (regionCount > 0) {
          int vocabulary = config.vocabSize();
          regionPooling =
              scope.create(batch.regionPooling(), new Shape(regionCount, batchSize * visual));
          NDArray regionLogits =
              network.logits(
                  regionPooling.matMul(
                      visualTokens.reshape(batchSize * visual, config.hiddenSize())));
          regionTargets = scope.create(batch.regionTargets(), new Shape(regionCount, vocabulary));
          regionWordLoss = regionWordLoss(regionLogits, regionTargets);
          regions = regionWordLoss.getFloat();
        }
        NDList forward = network.forwardTokens(visualTokens, bos, textIds, REGION_TAP_LAYER);
        NDArray hidden = forward.get(0);
        if (regionCount > 0) {
          // the second readout: the visual tokens as they enter the layer where the pruners cut
          NDArray tapped =
              forward
                  .get(1)
                  .get(new NDIndex(":, 1:" + (1 + visual) + ", :"))
                  .reshape(batchSize * visual, config.hiddenSize());
          NDArray tapLogits = network.logits(network.finalNorm(regionPooling.matMul(tapped)));
          NDArray tapLoss = regionWordLoss(tapLogits, regionTargets);
          regionAccuracy =
              regionWordAccuracy(
                  tapLogits.toFloatArray(),
                  batch.regionTargets(),
                  batch.regionWordCounts(),
                  config.vocabSize());
          regions = (regions + tapLoss.getFloat()) / 2;
          regionWordLoss = regionWordLoss.add(tapLoss).div(constant(tapLoss, 2f));
        }

        long sequenceLength = hidden.getShape().get(1);
        int d = config.hiddenSize();
        NDArray features = network.encodeGrounding(pixels);
        NDArray projected = network.projectImage(features, visualTokens);
        long projectedWidth = projected.getShape().get(1) * projected.getShape().get(2);
        NDArray captionHidden = hidden;
        NDArray glanceMaskLoss = null;
        int glanceCount = batch.glanceRows().length;
        if (glanceCount > 0) {
          int size = config.groundingSize();
          NDArray glanceSelection =
              scope.create(
                  oneHot(batch.glanceRows(), batchSize * sequenceLength),
                  new Shape(glanceCount, batchSize * sequenceLength));
          NDArray flat = hidden.reshape(batchSize * sequenceLength, d);
          long[] maskRows = batch.glanceMaskRows();
          int maskCount = maskRows.length;
          NDArray states =
              scope
                  .create(oneHot(maskRows, glanceCount), new Shape(maskCount, glanceCount))
                  .matMul(glanceSelection)
                  .matMul(flat);
          long[] samples = new long[maskCount];
          for (int m = 0; m < maskCount; m++) {
            samples[m] = batch.glanceSamples()[(int) maskRows[m]];
          }
          NDArray glancePixels =
              scope
                  .create(oneHot(samples, batchSize), new Shape(maskCount, batchSize))
                  .matMul(projected.reshape(batchSize, projectedWidth))
                  .reshape(maskCount, projected.getShape().get(1), projected.getShape().get(2));
          NDList glanceLosses =
              maskLosses(
                  network.maskLogits(states, glancePixels),
                  scope.create(batch.glanceTargets(), new Shape(maskCount, size, size)));
          glanceDice = glanceLosses.get(1).getFloat();
          glanceMaskLoss =
              glanceLosses
                  .get(0)
                  .mul(constant(states, (float) options.bceLossWeight()))
                  .add(glanceLosses.get(1).mul(constant(states, (float) options.diceLossWeight())))
                  .mul(constant(states, (float) GLANCE_MASK_SHARE));
          // the glance of each row, image by image (rows come grouped by image)
          NDList glances = new NDList();
          int from = 0;
          while (from < glanceCount) {
            int sample = batch.glanceSamples()[from];
            int to = from;
            while (to < glanceCount && batch.glanceSamples()[to] == sample) {
              to++;
            }
            float[] boxes = java.util.Arrays.copyOfRange(batch.glanceBoxes(), 4 * from, 4 * to);
            glances.add(network.glance(scope, boxes, features.get(sample)));
            from = to;
          }
          NDArray glance = NDArrays.concat(glances, 0);
          captionHidden =
              flat.add(glanceSelection.transpose().matMul(glance))
                  .reshape(batchSize, sequenceLength, d);
        }

        // caption cross-entropy: position p predicts token p + 1
        int first = visual + promptLength;
        NDArray predicting =
            captionHidden.get(
                new NDIndex(":, " + first + ":" + (first + batch.targetLength()) + ", :"));
        NDArray logProbabilities = network.logits(predicting).logSoftmax(2);
        NDArray targets =
            scope.create(batch.targets(), new Shape(batchSize, batch.targetLength(), 1));
        NDArray picked =
            logProbabilities.gather(targets, 2).reshape(batchSize, batch.targetLength());
        NDArray targetMask =
            scope.create(batch.targetMask(), new Shape(batchSize, batch.targetLength()));
        NDArray textLoss = picked.mul(targetMask).sum().neg().div(targetMask.sum());
        NDArray loss = textLoss.mul(constant(textLoss, (float) options.textLossWeight()));
        text = textLoss.getFloat();
        phraseAccuracy =
            phraseAccuracy(
                logProbabilities.argMax(2).toLongArray(), batch.targets(), batch.phraseTargets());
        if (glanceMaskLoss != null) {
          loss = loss.add(glanceMaskLoss);
        }

        if (batch.segRows().length > 0) {
          int segCount = batch.segRows().length;
          int size = config.groundingSize();
          // select rows with one-hot matmuls rather than advanced indexing: the index backward
          // with many duplicate indices produced NaN gradients on the CPU engine (seen at 48 rows)
          NDArray rowSelection =
              scope.create(
                  oneHot(batch.segRows(), batchSize * sequenceLength),
                  new Shape(segCount, batchSize * sequenceLength));
          NDArray rows =
              rowSelection.matMul(hidden.reshape(batchSize * sequenceLength, config.hiddenSize()));
          NDArray sampleSelection =
              scope.create(oneHot(batch.segSamples(), batchSize), new Shape(segCount, batchSize));
          NDArray segPixels =
              sampleSelection
                  .matMul(projected.reshape(batchSize, projectedWidth))
                  .reshape(segCount, projected.getShape().get(1), projected.getShape().get(2));
          NDArray logits = network.maskLogits(rows, segPixels);
          NDArray maskTargets = scope.create(batch.segTargets(), new Shape(segCount, size, size));
          NDList maskLosses = maskLosses(logits, maskTargets);
          NDArray bceLoss = maskLosses.get(0);
          NDArray diceLoss = maskLosses.get(1);
          loss =
              loss.add(bceLoss.mul(constant(logits, (float) options.bceLossWeight())))
                  .add(diceLoss.mul(constant(logits, (float) options.diceLossWeight())));
          bce = bceLoss.getFloat();
          dice = diceLoss.getFloat();
        }
        if (visualWordLoss != null) {
          loss =
              loss.add(
                  visualWordLoss.mul(
                      constant(visualWordLoss, (float) options.visualWordLossWeight())));
        }
        if (regionWordLoss != null) {
          loss =
              loss.add(
                  regionWordLoss.mul(
                      constant(regionWordLoss, (float) options.regionWordLossWeight())));
        }
        total = loss.getFloat();
        collector.backward(loss);
      }
      // read and apply the gradients while the graph's arrays are still alive
      gradientNorm = gradientNorm(network);
      if (!Double.isFinite(gradientNorm)) {
        throw new IllegalStateException(
            "non-finite gradient at step "
                + step
                + " (loss "
                + total
                + ") in "
                + nonFiniteGradients(network)
                + "; lower the learning rate");
      }
      double scale = gradientNorm > options.clipNorm() ? options.clipNorm() / gradientNorm : 1.0;
      optimizer.step(network.weights(), step, options.learningRateAt(step), scale);
    }
    return new StepLosses(
        total,
        text,
        bce,
        dice,
        words,
        regions,
        regionAccuracy,
        glanceDice,
        phraseAccuracy,
        gradientNorm);
  }

  /** GLaMM's mask losses of logits {@code (S, G, G)} against soft targets: mean BCE, mean Dice. */
  private static NDList maskLosses(NDArray logits, NDArray targets) {
    // numerically stable BCE with logits
    NDArray bce =
        logits
            .maximum(constant(logits, 0f))
            .sub(logits.mul(targets))
            .add(logits.abs().neg().exp().add(constant(logits, 1f)).log())
            .mean();
    NDArray probabilities = Activation.sigmoid(logits);
    NDArray intersection = probabilities.mul(targets).sum(new int[] {1, 2});
    NDArray denominator = probabilities.sum(new int[] {1, 2}).add(targets.sum(new int[] {1, 2}));
    NDArray dice =
        intersection
            .mul(constant(logits, 2f))
            .add(constant(logits, 1f))
            .div(denominator.add(constant(logits, 1f)))
            .neg()
            .add(constant(logits, 1f))
            .mean();
    return new NDList(bce, dice);
  }

  /** Share of the in-phrase targets whose argmax prediction is right; 0 when there are none. */
  static double phraseAccuracy(long[] predicted, long[] targets, long[] phraseTargets) {
    if (phraseTargets.length == 0) {
      return 0;
    }
    int right = 0;
    for (long index : phraseTargets) {
      if (predicted[(int) index] == targets[(int) index]) {
        right++;
      }
    }
    return (double) right / phraseTargets.length;
  }

  /** Soft cross-entropy per region of region logits {@code (R, V)} against word targets. */
  private static NDArray regionWordLoss(NDArray regionLogits, NDArray regionTargets) {
    return regionLogits
        .logSoftmax(1)
        .mul(regionTargets)
        .sum()
        .neg()
        .div(constant(regionLogits, regionLogits.getShape().get(0)));
  }

  /**
   * Mean over regions of the share of a region's distinct phrase words that rank among its top-n
   * logits, n the number of those words.
   */
  static double regionWordAccuracy(
      float[] logits, float[] targets, int[] wordCounts, int vocabulary) {
    double sum = 0;
    for (int r = 0; r < wordCounts.length; r++) {
      int offset = r * vocabulary;
      Integer[] order = new Integer[vocabulary];
      for (int v = 0; v < vocabulary; v++) {
        order[v] = v;
      }
      java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[offset + b], logits[offset + a]));
      int hits = 0;
      for (int i = 0; i < wordCounts[r]; i++) {
        if (targets[offset + order[i]] > 0) {
          hits++;
        }
      }
      sum += (double) hits / wordCounts[r];
    }
    return wordCounts.length == 0 ? 0 : sum / wordCounts.length;
  }

  private static float[] oneHot(long[] indices, long width) {
    float[] out = new float[(int) (indices.length * width)];
    for (int i = 0; i < indices.length; i++) {
      out[(int) (i * width + indices[i])] = 1f;
    }
    return out;
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

  private void saveCheckpoint(GcgNetwork network, AdamW optimizer, int step, StepLosses last)
      throws IOException {
    Path temporary = outputDirectory.resolve("checkpoint.tmp");
    deleteRecursively(temporary);
    Files.createDirectories(temporary);
    try (OutputStream out = Files.newOutputStream(temporary.resolve(ModelFiles.WEIGHTS))) {
      SafeTensors.write(network.weights(), SafeTensors.StorageType.F32, Map.of(), out);
    }
    try (OutputStream out = Files.newOutputStream(temporary.resolve("optimizer.safetensors"))) {
      SafeTensors.write(optimizer.state(), SafeTensors.StorageType.F32, Map.of(), out);
    }
    Files.writeString(temporary.resolve(ModelFiles.CONFIG), config.toJson());
    Files.write(temporary.resolve(ModelFiles.TOKENIZER), tokenizerJson);
    JsonObject state = new JsonObject();
    state.addProperty("step", step);
    state.addProperty("seed", options.seed());
    state.addProperty("total_steps", options.steps());
    state.addProperty("batch_size", options.batchSize());
    state.addProperty("loss", last.total());
    state.addProperty("text_loss", last.text());
    state.addProperty("bce_loss", last.bce());
    state.addProperty("dice_loss", last.dice());
    state.addProperty("visual_word_loss", last.words());
    state.addProperty("region_word_loss", last.regions());
    state.addProperty("glance_dice_loss", last.glanceDice());
    Files.writeString(temporary.resolve("state.json"), state + "\n");
    // swap in the new checkpoint only once it is complete
    Path previous = outputDirectory.resolve("checkpoint.old");
    deleteRecursively(previous);
    if (Files.exists(checkpointDirectory())) {
      Files.move(checkpointDirectory(), previous, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(temporary, checkpointDirectory(), StandardCopyOption.ATOMIC_MOVE);
    deleteRecursively(previous);
    exportModel(network);
  }

  private void exportModel(GcgNetwork network) throws IOException {
    Path temporary = outputDirectory.resolve("model.tmp");
    deleteRecursively(temporary);
    Files.createDirectories(temporary);
    try (OutputStream out = Files.newOutputStream(temporary.resolve(ModelFiles.WEIGHTS))) {
      SafeTensors.write(
          network.weights(), SafeTensors.StorageType.F16, Map.of("format", "pt"), out);
    }
    Files.writeString(temporary.resolve(ModelFiles.CONFIG), config.toJson());
    Files.write(temporary.resolve(ModelFiles.TOKENIZER), tokenizerJson);
    deleteRecursively(modelDirectory());
    Files.move(temporary, modelDirectory(), StandardCopyOption.ATOMIC_MOVE);
  }

  private int restore(GcgNetwork network, AdamW optimizer, NDManager manager) throws IOException {
    Path directory = checkpointDirectory();
    JsonObject state =
        JsonParser.parseString(Files.readString(directory.resolve("state.json"))).getAsJsonObject();
    if (state.get("seed").getAsLong() != options.seed()
        || state.get("batch_size").getAsInt() != options.batchSize()) {
      throw new IllegalArgumentException(
          "checkpoint in "
              + directory
              + " was made with seed "
              + state.get("seed")
              + " and batch size "
              + state.get("batch_size")
              + "; resume with the same --seed and --batch-size");
    }
    try (NDManager scope = manager.newSubManager()) {
      Map<String, NDArray> weights =
          SafeTensors.read(
              Files.readAllBytes(directory.resolve(ModelFiles.WEIGHTS)), scope, "checkpoint");
      for (Map.Entry<String, NDArray> entry : network.weights().entrySet()) {
        NDArray saved = weights.get(entry.getKey());
        if (saved == null || !saved.getShape().equals(entry.getValue().getShape())) {
          throw new IllegalArgumentException(
              "checkpoint does not match the model architecture at " + entry.getKey());
        }
        entry.getValue().set(saved.toFloatArray());
      }
      optimizer.restore(
          SafeTensors.read(
              Files.readAllBytes(directory.resolve("optimizer.safetensors")), scope, "optimizer"));
    }
    return state.get("step").getAsInt();
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(each);
      }
    }
  }
}
