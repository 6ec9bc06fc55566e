package io.gcgserve.model.train;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgTokenizer;
import io.gcgserve.model.djl.PhraseGlance;
import io.gcgserve.pruners.ImageRgb;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Turns the examples of one step into a {@link TrainingBatch}: token ids and caption targets, the
 * {@code [SEG]} rows and their mask targets, the in-phrase rows of the phrase glance, and the word
 * targets of the visual-word and region-word losses. Everything here is plain Java arithmetic, so
 * that the batch is a pure function of the step number and the seed and a resumed run sees exactly
 * the data it would have seen.
 */
final class BatchBuilder {

  private final GcgConfig config;
  private final GcgTokenizer tokenizer;
  private final CaptionPhrases phrases;
  private final TrainingOptions options;
  private final ExampleSource source;

  /**
   * Builds batches of {@code options.batchSize()} examples of {@code source} for {@code config}.
   */
  BatchBuilder(
      GcgConfig config, GcgTokenizer tokenizer, TrainingOptions options, ExampleSource source) {
    this.config = Objects.requireNonNull(config, "config is null");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer is null");
    this.phrases = new CaptionPhrases(tokenizer);
    this.options = Objects.requireNonNull(options, "options is null");
    this.source = Objects.requireNonNull(source, "source is null");
  }

  /** The examples of one batch: images, captions ending in {@code [EOS]}, masks per caption. */
  private record Examples(
      ImageRgb[] images, int[][] captions, List<List<BinaryMask>> masks, int longest) {}

  /** Token ids, caption targets and the {@code [SEG]} slots of one batch. */
  private record Text(
      long[] textIds,
      long[] targets,
      float[] targetMask,
      long[] segRows,
      long[] segSamples,
      List<BinaryMask> segMasks) {}

  /** The in-phrase targets and the phrase glance's rows, boxes and mask targets. */
  private record Glance(
      long[] phraseTargets,
      long[] rows,
      int[] samples,
      float[] boxes,
      long[] maskRows,
      float[] maskTargets) {}

  /** The targets of the visual-word and region-word losses. */
  private record WordTargets(
      float[] visualWords, float[] regionPooling, float[] regionWords, int[] regionWordCounts) {}

  /** The batch of 1-based {@code step}: examples {@code (step - 1) * batchSize} onwards. */
  TrainingBatch build(int step) {
    int[] promptIds = tokenizer.promptIds(config.defaultPrompt());
    Examples examples = examples(step);
    Text text = text(examples, promptIds);
    Glance glance = glance(examples, promptIds.length, step);
    int size = config.groundingSize();
    float[] segTargets = new float[text.segMasks().size() * size * size];
    for (int s = 0; s < text.segMasks().size(); s++) {
      CoverageGrid.addCoverage(text.segMasks().get(s), size, segTargets, s * size * size);
    }
    WordTargets words = wordTargets(examples);
    return new TrainingBatch(
        examples.images(),
        text.textIds(),
        promptIds.length + examples.longest(),
        text.targets(),
        text.targetMask(),
        examples.longest(),
        text.segRows(),
        text.segSamples(),
        segTargets,
        words.visualWords(),
        words.regionPooling(),
        words.regionWords(),
        words.regionWordCounts(),
        glance.phraseTargets(),
        glance.rows(),
        glance.samples(),
        glance.boxes(),
        glance.maskRows(),
        glance.maskTargets());
  }

  private Examples examples(int step) {
    int batchSize = options.batchSize();
    int eos = tokenizer.id(GcgTokenizer.EOS);
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
      captions[i] = Arrays.copyOf(words, words.length + 1);
      captions[i][words.length] = eos;
      longest = Math.max(longest, captions[i].length);
      masks.add(example.segMasks());
    }
    return new Examples(images, captions, masks, longest);
  }

  private Text text(Examples examples, int[] promptIds) {
    int batchSize = examples.images().length;
    int longest = examples.longest();
    int textLength = promptIds.length + longest;
    int visual = config.visualTokens();
    int sequenceLength = 1 + visual + textLength;
    int pad = tokenizer.id(GcgTokenizer.PAD);
    int seg = tokenizer.id(GcgTokenizer.SEG);
    long[] textIds = new long[batchSize * textLength];
    long[] targets = new long[batchSize * longest];
    float[] targetMask = new float[batchSize * longest];
    Arrays.fill(textIds, pad);
    Arrays.fill(targets, pad);
    List<Long> segRows = new ArrayList<>();
    List<Long> segSamples = new ArrayList<>();
    List<BinaryMask> segMasks = new ArrayList<>();
    for (int i = 0; i < batchSize; i++) {
      for (int j = 0; j < promptIds.length; j++) {
        textIds[i * textLength + j] = promptIds[j];
      }
      int[] caption = examples.captions()[i];
      List<BinaryMask> masks = examples.masks().get(i);
      int segIndex = 0;
      for (int j = 0; j < caption.length; j++) {
        int token = caption[j];
        textIds[i * textLength + promptIds.length + j] = token;
        targets[i * longest + j] = token;
        targetMask[i * longest + j] = 1f;
        if (token == seg) {
          if (segIndex >= masks.size()) {
            throw new IllegalArgumentException(
                "caption has more [SEG] than masks: " + source.getClass().getSimpleName());
          }
          // the [SEG] input slot: after BOS, the visual tokens and the prompt
          segRows.add((long) i * sequenceLength + 1 + visual + promptIds.length + j);
          segSamples.add((long) i);
          segMasks.add(masks.get(segIndex++));
        }
      }
      if (segIndex != masks.size()) {
        throw new IllegalArgumentException(
            "caption has " + segIndex + " [SEG] but " + masks.size() + " masks");
      }
    }
    return new Text(textIds, targets, targetMask, toLongs(segRows), toLongs(segSamples), segMasks);
  }

  /**
   * Words inside phrases: targets j with {@code <p>} before them and {@code </p>} at or after them.
   * With the glance, the state predicting each (input slot of token j - 1) looks at its phrase's
   * box, and one such state per phrase, drawn at random, learns the phrase's mask: the mask decoder
   * runs at full grounding resolution, so supervising every such state would cost a multiple of the
   * step time.
   */
  private Glance glance(Examples examples, int promptLength, int step) {
    int batchSize = examples.images().length;
    int longest = examples.longest();
    int visual = config.visualTokens();
    int sequenceLength = 1 + visual + promptLength + longest;
    int size = config.groundingSize();
    List<Long> phraseTargets = new ArrayList<>();
    List<Long> rows = new ArrayList<>();
    List<Integer> samples = new ArrayList<>();
    List<float[]> boxes = new ArrayList<>();
    List<Long> maskRows = new ArrayList<>();
    List<BinaryMask> masks = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(options.seed() * 1_000_003L + step);
    for (int i = 0; i < batchSize; i++) {
      List<BinaryMask> sampleMasks = examples.masks().get(i);
      for (int[] phrase : phrases.phraseSpans(examples.captions()[i])) {
        int open = phrase[0];
        int close = phrase[1];
        int maskIndex = phrase[2];
        float[] box =
            config.phraseGlance() && maskIndex >= 0
                ? PhraseGlance.box(sampleMasks.get(maskIndex), size, random)
                : null;
        int supervised = box == null ? -1 : open + 1 + random.nextInt(close - open);
        for (int j = open + 1; j <= close; j++) {
          phraseTargets.add((long) i * longest + j);
          if (box != null) {
            rows.add((long) i * sequenceLength + visual + promptLength + j);
            samples.add(i);
            boxes.add(box);
            if (j == supervised) {
              maskRows.add((long) rows.size() - 1);
              masks.add(sampleMasks.get(maskIndex));
            }
          }
        }
      }
    }
    float[] boxArray = new float[boxes.size() * 4];
    for (int g = 0; g < boxes.size(); g++) {
      System.arraycopy(boxes.get(g), 0, boxArray, 4 * g, 4);
    }
    float[] maskTargets = new float[masks.size() * size * size];
    for (int g = 0; g < masks.size(); g++) {
      CoverageGrid.addCoverage(masks.get(g), size, maskTargets, g * size * size);
    }
    return new Glance(
        toLongs(phraseTargets),
        toLongs(rows),
        samples.stream().mapToInt(Integer::intValue).toArray(),
        boxArray,
        toLongs(maskRows),
        maskTargets);
  }

  /**
   * Both word losses read each grounded phrase's coverage of the patch grid, computed once. The
   * region-word pooling's row r averages the visual tokens under region r's mask (coverage weights
   * summing to 1) over the whole batch's tokens, so that one matmul pools every region.
   */
  private WordTargets wordTargets(Examples examples) {
    int batchSize = examples.images().length;
    int grid = config.gridSize();
    int tokens = grid * grid;
    int vocabulary = config.vocabSize();
    float[] visualWords =
        new float[options.visualWordLossWeight() > 0 ? batchSize * tokens * vocabulary : 0];
    List<float[]> pooling = new ArrayList<>();
    List<int[]> regionWords = new ArrayList<>();
    List<Integer> regionSamples = new ArrayList<>();
    if (options.visualWordLossWeight() > 0 || options.regionWordLossWeight() > 0) {
      for (int i = 0; i < batchSize; i++) {
        List<int[]> segWords = phrases.segPhraseWords(examples.captions()[i]);
        for (int k = 0; k < segWords.size(); k++) {
          int[] words = segWords.get(k);
          float[] cover = new float[tokens];
          CoverageGrid.addCoverage(examples.masks().get(i).get(k), grid, cover, 0);
          double total = 0;
          for (int patch = 0; patch < tokens; patch++) {
            total += cover[patch];
            if (visualWords.length > 0) {
              for (int word : words) {
                visualWords[(i * tokens + patch) * vocabulary + word] +=
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
    return regionTargets(visualWords, pooling, regionWords, regionSamples, batchSize);
  }

  private WordTargets regionTargets(
      float[] visualWords,
      List<float[]> pooling,
      List<int[]> regionWords,
      List<Integer> regionSamples,
      int batchSize) {
    int tokens = config.gridSize() * config.gridSize();
    int vocabulary = config.vocabSize();
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
      regionWordCounts[r] = (int) Arrays.stream(words).distinct().count();
    }
    return new WordTargets(visualWords, regionPooling, regionTargets, regionWordCounts);
  }

  private static long[] toLongs(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).toArray();
  }
}
