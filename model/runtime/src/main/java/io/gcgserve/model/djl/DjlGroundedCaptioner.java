package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.InvalidRequestException;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.QueryRows;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.flops.Flops;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Generation on the DJL network: vision and grounding encoding, LLM prefill layer by layer with the
 * pruner's hook points, KV-cached decoding, and mask decoding for each {@code [SEG]}.
 *
 * <p>Memory: each request owns a sub-manager of the model's manager, closed when the request ends;
 * each prefill layer and decode step computes in its own sub-manager and moves only what outlives
 * it (hidden state, KV cache) to the request's manager.
 *
 * <p>Pruned sequences keep their original RoPE positions (FastV's choice): a token's position never
 * changes, only the set of tokens does. The KV cache of layers before a pruning point keeps every
 * visual token, so decoding sees exactly what prefill saw at each layer.
 */
public final class DjlGroundedCaptioner implements GroundedCaptioner {

  private final NDManager manager;
  private final GcgNetwork network;
  private final GcgTokenizer tokenizer;
  private final ModelInfo info;
  private final int bos;
  private final int eos;
  private final int phraseOpen;
  private final int phraseClose;
  private final int seg;

  /** Wraps a network whose weights belong to {@code manager}; closing this captioner closes it. */
  public DjlGroundedCaptioner(NDManager manager, GcgNetwork network, GcgTokenizer tokenizer) {
    this.manager = Objects.requireNonNull(manager, "manager is null");
    this.network = Objects.requireNonNull(network, "network is null");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer is null");
    GcgConfig config = network.config();
    if (tokenizer.vocabularySize() != config.vocabSize()) {
      throw new io.gcgserve.model.ModelLoadException(
          "tokenizer.json has "
              + tokenizer.vocabularySize()
              + " tokens but config.json says "
              + "vocab_size "
              + config.vocabSize());
    }
    this.info =
        new ModelInfo(
            config.name(),
            config.geometry(),
            config.imageSize(),
            config.maxPositions(),
            config.defaultPrompt());
    this.bos = tokenizer.id(GcgTokenizer.BOS);
    this.eos = tokenizer.id(GcgTokenizer.EOS);
    this.phraseOpen = tokenizer.id(GcgTokenizer.PHRASE_OPEN);
    this.phraseClose = tokenizer.id(GcgTokenizer.PHRASE_CLOSE);
    this.seg = tokenizer.id(GcgTokenizer.SEG);
  }

  @Override
  public ModelInfo info() {
    return info;
  }

  /** The network, for benchmarks and tests. */
  public GcgNetwork network() {
    return network;
  }

  /** The architecture configuration. */
  public GcgConfig config() {
    return network.config();
  }

  /** The tokenizer. */
  public GcgTokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public GenerationResult generate(GenerationRequest request, GenerationListener listener) {
    return generate(request, listener, logits -> {});
  }

  /**
   * {@link #generate} that also hands every next-token logits vector (prefill's, then each decode
   * step's) to {@code logitsObserver}; tests compare them with the teacher-forced forward.
   */
  GenerationResult generate(
      GenerationRequest request, GenerationListener listener, Consumer<float[]> logitsObserver) {
    GcgConfig config = network.config();
    long startNanos = System.nanoTime();
    GenerationOptions options = request.options();
    String prompt = request.prompt().isBlank() ? config.defaultPrompt() : request.prompt();
    int[] suffix = tokenizer.promptIds(prompt);
    int visualTokens = config.visualTokens();
    int sequenceLength = 1 + visualTokens + suffix.length;
    if (sequenceLength + options.maxNewTokens() > config.maxPositions()) {
      throw new InvalidRequestException(
          "prompt of "
              + suffix.length
              + " tokens plus "
              + visualTokens
              + " visual tokens plus max_new_tokens "
              + options.maxNewTokens()
              + " exceeds the model context of "
              + config.maxPositions()
              + " tokens; shorten the prompt or lower max_new_tokens");
    }
    TokenPruner pruner = request.pruner();
    int[] pruneAfter = pruner.pruneAfterLayers();
    for (int i = 0; i < pruneAfter.length; i++) {
      if (pruneAfter[i] < 0
          || pruneAfter[i] >= config.layers() - 1
          || (i > 0 && pruneAfter[i] <= pruneAfter[i - 1])) {
        throw new InvalidRequestException(
            "pruner asked to prune after layers "
                + Arrays.toString(pruneAfter)
                + "; layers must be strictly increasing in [0, "
                + (config.layers() - 2)
                + "] for this "
                + config.layers()
                + "-layer model");
      }
    }
    ImageRgb input = Images.resize(request.image(), config.imageSize(), config.imageSize());

    try (NDManager requestManager = manager.newSubManager()) {
      // encoders: vision tokens for the LLM, pixel features for the masks
      NDArray pixels = Images.toTensor(requestManager, input);
      NDArray visual = network.encodeVision(pixels);
      NDArray groundingFeatures = network.encodeGrounding(pixels);
      NDArray pixelQueries = network.projectImage(groundingFeatures, visual);
      NDArray hidden =
          NDArrays.concat(
              new NDList(
                  network.embed(requestManager.create(new long[] {bos}).reshape(1, 1)),
                  visual,
                  network.embed(requestManager.create(toLongs(suffix)).reshape(1, -1))),
              1);

      // prefill, layer by layer, pruning where the pruner asks
      Prefill prefill = new Prefill(sequenceLength, visualTokens, suffix.length);
      NDArray[] cacheKeys = new NDArray[config.layers()];
      NDArray[] cacheValues = new NDArray[config.layers()];
      int[] visualPerLayer = new int[config.layers()];
      int[] tokensPerLayer = new int[config.layers()];
      long prunerNanos = 0;
      int nextPrune = 0;
      // RoPE tables and the causal mask change only when pruning changes the sequence
      NDList rope = network.ropeTables(requestManager, prefill.positions);
      NDArray mask = GcgNetwork.causalMask(requestManager, prefill.positions.length);
      for (int layer = 0; layer < config.layers(); layer++) {
        try (NDManager step = requestManager.newSubManager()) {
          boolean prunesHere = nextPrune < pruneAfter.length && pruneAfter[nextPrune] == layer;
          int[] probeRows = prunesHere ? prefill.queryRows(pruner.queryRows()) : null;
          GcgNetwork.LayerOutput out =
              network.layer(layer, hidden, rope, mask, null, null, probeRows);
          visualPerLayer[layer] = prefill.live.length;
          tokensPerLayer[layer] = prefill.positions.length;
          cacheKeys[layer] = keep(out.keys(), requestManager);
          cacheValues[layer] = keep(out.values(), requestManager);
          NDArray next = out.hidden();
          if (prunesHere) {
            float[] scores = prefill.visualScores(Objects.requireNonNull(out.probe()));
            PruningSnapshot view =
                new PruningSnapshot(
                    layer, config.gridSize(), config.gridSize(), prefill.live, scores, input);
            long pruneStart = System.nanoTime();
            KeepSet keepSet = pruner.prune(view);
            prunerNanos += System.nanoTime() - pruneStart;
            int[] slots = prefill.keep(keepSet.keptVisualTokens(), layer);
            next = next.get(new NDIndex(":, {}, :", step.create(toLongs(slots))));
            nextPrune++;
            rope.close();
            mask.close();
            rope = network.ropeTables(requestManager, prefill.positions);
            mask = GcgNetwork.causalMask(requestManager, prefill.positions.length);
          }
          hidden.close();
          hidden = keep(next, requestManager);
        }
      }
      double flopsRatio =
          Flops.ratio(
              tokensPerLayer, sequenceLength, config.hiddenSize(), config.intermediateSize());
      float[] firstLogits;
      try (NDManager step = requestManager.newSubManager()) {
        NDArray last = hidden.get(new NDIndex(":, -1:, :"));
        firstLogits = network.logits(network.finalNorm(last)).toFloatArray();
      }
      logitsObserver.accept(firstLogits);
      double prefillMillis = (System.nanoTime() - startNanos) / 1e6;
      PrefillReport report =
          new PrefillReport(
              suffix.length + 1,
              visualTokens,
              visualPerLayer,
              flopsRatio,
              prefillMillis,
              prunerNanos / 1e6);
      listener.onPrefill(report);

      // decode with the KV cache
      long decodeStart = System.nanoTime();
      Decoder decoder =
          new Decoder(
              requestManager,
              cacheKeys,
              cacheValues,
              groundingFeatures,
              pixelQueries,
              request,
              listener,
              sequenceLength,
              logitsObserver);
      FinishReason finish = decoder.run(firstLogits);
      double decodeMillis = (System.nanoTime() - decodeStart) / 1e6;
      return new GenerationResult(
          decoder.caption.toString(),
          List.copyOf(decoder.phrases),
          report,
          decoder.generated,
          decodeMillis,
          finish);
    }
  }

  private static NDArray keep(NDArray array, NDManager owner) {
    // outlives the step's sub-manager: hand it to the request's manager explicitly
    array.attach(owner);
    return array;
  }

  /** Bookkeeping of which sequence slots are still present during prefill. */
  private static final class Prefill {
    int[] positions;

    /** Grid index of the visual token in each slot, or -1 for text. */
    int[] slotVisual;

    int[] live;
    final int suffixLength;

    Prefill(int sequenceLength, int visualTokens, int suffixLength) {
      this.suffixLength = suffixLength;
      positions = new int[sequenceLength];
      slotVisual = new int[sequenceLength];
      for (int i = 0; i < sequenceLength; i++) {
        positions[i] = i;
        slotVisual[i] = (i >= 1 && i <= visualTokens) ? i - 1 : -1;
      }
      live = new int[visualTokens];
      for (int i = 0; i < visualTokens; i++) {
        live[i] = i;
      }
    }

    int[] queryRows(QueryRows rows) {
      int length = positions.length;
      if (rows == QueryRows.LAST_PROMPT) {
        return new int[] {length - 1};
      }
      // every prompt token after the image
      int[] all = new int[suffixLength];
      for (int i = 0; i < suffixLength; i++) {
        all[i] = length - suffixLength + i;
      }
      return all;
    }

    float[] visualScores(NDArray probe) {
      // probe: (rows, S) mean over heads; average over rows, keep the visual columns
      float[] mean = probe.mean(new int[] {0}).toFloatArray();
      float[] scores = new float[live.length];
      int next = 0;
      for (int slot = 0; slot < slotVisual.length; slot++) {
        if (slotVisual[slot] >= 0) {
          scores[next++] = mean[slot];
        }
      }
      return scores;
    }

    int[] keep(int[] kept, int layer) {
      BitSet keepBits = new BitSet();
      BitSet liveBits = new BitSet();
      for (int index : live) {
        liveBits.set(index);
      }
      for (int index : kept) {
        if (!liveBits.get(index)) {
          throw new IllegalStateException(
              "pruner kept visual token "
                  + index
                  + " at layer "
                  + layer
                  + ", which is not live there");
        }
        keepBits.set(index);
      }
      int[] slots = new int[positions.length - live.length + kept.length];
      int next = 0;
      for (int slot = 0; slot < positions.length; slot++) {
        if (slotVisual[slot] < 0 || keepBits.get(slotVisual[slot])) {
          slots[next++] = slot;
        }
      }
      int[] newPositions = new int[slots.length];
      int[] newSlotVisual = new int[slots.length];
      for (int i = 0; i < slots.length; i++) {
        newPositions[i] = positions[slots[i]];
        newSlotVisual[i] = slotVisual[slots[i]];
      }
      positions = newPositions;
      slotVisual = newSlotVisual;
      live = kept.clone();
      return slots;
    }
  }

  /** The decode loop of one request. */
  private final class Decoder {
    final NDManager requestManager;
    final NDArray[] cacheKeys;
    final NDArray[] cacheValues;
    final NDArray groundingFeatures;
    final NDArray pixelQueries;
    final GenerationRequest request;
    final GenerationListener listener;
    final Random random;
    final Consumer<float[]> logitsObserver;
    int nextPosition;
    final StringBuilder caption = new StringBuilder();
    final List<GroundedPhrase> phrases = new ArrayList<>();
    int generated;
    boolean phraseIsOpen;
    int phraseStart = -1;
    int phraseEnd = -1;
    int @Nullable [] closedPhrase;

    /** Non-null when the model's masks are cut to one region per phrase. */
    final Masks.@Nullable OneRegionPerPhrase oneRegionPerPhrase;

    Decoder(
        NDManager requestManager,
        NDArray[] cacheKeys,
        NDArray[] cacheValues,
        NDArray groundingFeatures,
        NDArray pixelQueries,
        GenerationRequest request,
        GenerationListener listener,
        int nextPosition,
        Consumer<float[]> logitsObserver) {
      this.logitsObserver = logitsObserver;
      GcgConfig config = network.config();
      this.oneRegionPerPhrase =
          config.singleRegionMasks() ? new Masks.OneRegionPerPhrase(config.groundingSize()) : null;
      this.requestManager = requestManager;
      this.cacheKeys = cacheKeys;
      this.cacheValues = cacheValues;
      // one image's features (C+10, G, G), made once per request for the phrase glance
      this.groundingFeatures = groundingFeatures.squeeze(0);
      this.pixelQueries = pixelQueries;
      this.request = request;
      this.listener = listener;
      this.random = new Random(request.options().seed());
      this.nextPosition = nextPosition;
    }

    FinishReason run(float[] firstLogits) {
      GenerationOptions options = request.options();
      int token = choose(firstLogits);
      while (true) {
        if (request.cancellation().getAsBoolean()) {
          return FinishReason.CANCELLED;
        }
        generated++;
        if (token == eos) {
          return FinishReason.END_OF_SEQUENCE;
        }
        emit(token);
        boolean last = generated >= options.maxNewTokens();
        if (last && token != seg) {
          return FinishReason.MAX_TOKENS;
        }
        // feed the token; its hidden state is the [SEG] embedding when it is [SEG]
        float[] logits = step(token);
        logitsObserver.accept(logits);
        if (last) {
          return FinishReason.MAX_TOKENS;
        }
        token = choose(logits);
      }
    }

    private void emit(int token) {
      String word = tokenizer.token(token);
      String delta = caption.length() == 0 ? word : " " + word;
      int wordStart = caption.length() + delta.length() - word.length();
      caption.append(delta);
      listener.onToken(new TokenDelta(generated - 1, token, delta));
      if (token == phraseOpen) {
        phraseIsOpen = true;
        phraseStart = -1;
        phraseEnd = -1;
      } else if (token == phraseClose) {
        if (phraseIsOpen && phraseStart >= 0) {
          closedPhrase = new int[] {phraseStart, phraseEnd};
        }
        phraseIsOpen = false;
      } else if (token != seg && phraseIsOpen) {
        if (phraseStart < 0) {
          phraseStart = wordStart;
        }
        phraseEnd = caption.length();
      }
    }

    private float[] step(int token) {
      GcgConfig config = network.config();
      try (NDManager step = requestManager.newSubManager()) {
        NDArray x = network.embed(step.create(new long[] {token}).reshape(1, 1));
        NDList rope = network.ropeTables(step, new int[] {nextPosition++});
        for (int layer = 0; layer < config.layers(); layer++) {
          GcgNetwork.LayerOutput out =
              network.layer(layer, x, rope, null, cacheKeys[layer], cacheValues[layer], null);
          cacheKeys[layer].close();
          cacheValues[layer].close();
          cacheKeys[layer] = keep(out.keys(), requestManager);
          cacheValues[layer] = keep(out.values(), requestManager);
          x = out.hidden();
        }
        NDArray normed = network.finalNorm(x);
        if (token == seg) {
          NDArray maskLogits =
              network.maskLogits(normed.reshape(1, config.hiddenSize()), pixelQueries);
          groundPhrase(maskLogits.toFloatArray());
        } else if (config.phraseGlance() && phraseIsOpen) {
          normed = normed.add(glance(normed));
        }
        return network.logits(normed).toFloatArray();
      }
    }

    /**
     * The phrase glance of an in-phrase state {@code (1, 1, d)}: its mask gives the box the glance
     * reads, cut, when masks keep one region, to one region among the cells no earlier phrase took
     * ({@link Masks.OneRegionPerPhrase#peekUnclaimed}); a mask with no cell above 0 gives the whole
     * image.
     */
    private NDArray glance(NDArray normed) {
      GcgConfig config = network.config();
      int size = config.groundingSize();
      float[] logits =
          network.maskLogits(normed.reshape(1, config.hiddenSize()), pixelQueries).toFloatArray();
      if (oneRegionPerPhrase != null) {
        logits = oneRegionPerPhrase.peekUnclaimed(logits);
      }
      float[] box = PhraseGlance.box(logits, size);
      if (box == null) {
        box = new float[] {0, 0, size, size};
      }
      return network
          .glance(normed.getManager(), box, groundingFeatures)
          .reshape(1, 1, config.hiddenSize());
    }

    private void groundPhrase(float[] maskLogits) {
      int start;
      int end;
      if (closedPhrase != null) {
        start = closedPhrase[0];
        end = closedPhrase[1];
      } else {
        // a [SEG] with no phrase before it: ground an empty span at the marker
        start = caption.length();
        end = caption.length();
      }
      closedPhrase = null;
      int size = network.config().groundingSize();
      float[] logits =
          oneRegionPerPhrase == null ? maskLogits : oneRegionPerPhrase.keep(maskLogits);
      BinaryMask mask =
          Masks.upsample(logits, size, request.image().width(), request.image().height());
      GroundedPhrase phrase =
          new GroundedPhrase(
              phrases.size(), caption.substring(start, end).trim(), start, end, mask);
      phrases.add(phrase);
      listener.onGroundedPhrase(phrase);
    }

    private int choose(float[] logits) {
      GenerationOptions options = request.options();
      if (options.temperature() == 0.0) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
          if (logits[i] > logits[best]) {
            best = i;
          }
        }
        return best;
      }
      return Sampling.sample(logits, options.temperature(), options.topP(), random);
    }
  }

  private static long[] toLongs(int[] values) {
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  @Override
  public void close() {
    tokenizer.close();
    manager.close();
  }
}
