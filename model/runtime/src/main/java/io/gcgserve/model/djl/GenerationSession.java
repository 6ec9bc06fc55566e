package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.flops.Flops;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One request's generation, driven from outside: {@link #prefill} once (vision and grounding
 * encoders, LLM prefill layer by layer with the pruner's hook points, first token), then {@link
 * #step} until {@link #isFinished} (feed the last token through the KV cache, decode its mask when
 * it is a {@code [SEG]}, glance while a phrase is open, choose the next token), then {@link
 * #result} and {@link #close}. Splitting generation this way lets one loop drive one request and
 * lets a scheduler interleave the steps of many.
 *
 * <p>Memory: the session owns a sub-manager of the model's manager, and every array of the request
 * is in it or in one of its sub-managers; {@link #close} frees them all. Prefill and each step
 * compute in a sub-manager closed when they return; between calls the session holds only the KV
 * cache (two arrays per layer) and what masks need (the grounding features and the projected image,
 * two arrays). DJL creates an op's result in its first operand's manager, so each place that moves
 * an array to an outer manager says why.
 *
 * <p>Pruned sequences keep their original RoPE positions (FastV's choice): a token's position never
 * changes, only the set of tokens does. The KV cache of layers before a pruning point keeps every
 * visual token, so decoding sees exactly what prefill saw at each layer.
 *
 * <p>Cancellation: the request's flag is read once per token, after the step's forward pass and
 * before the token is emitted, so a {@code [SEG]} already emitted still gets its mask. A session is
 * used by one thread at a time.
 */
public final class GenerationSession implements AutoCloseable {

  private final GcgNetwork network;
  private final GcgConfig config;
  private final SpecialTokens special;
  private final GenerationRequest request;
  private final Consumer<float[]> logitsObserver;
  private final int[] suffix;
  private final NDManager manager;
  private final CaptionAssembler caption;
  private final Random random;
  private final long openedNanos;

  /** Non-null when the model's masks are cut to one region per phrase. */
  private final Masks.@Nullable OneRegionPerPhrase oneRegionPerPhrase;

  private final NDArray[] cacheKeys;
  private final NDArray[] cacheValues;

  /** One image's grounding features {@code (C+10, G, G)}, read by the phrase glance. */
  private @Nullable NDArray groundingFeatures;

  /** The projected image {@code (1, G*G + N, H)} that every mask decode reads. */
  private @Nullable NDArray pixelQueries;

  private boolean prefillStarted;
  private long prunerNanos;
  private boolean closed;
  private @Nullable PrefillReport report;
  private @Nullable FinishReason finishReason;
  private int nextPosition;
  private int lastToken;
  private int generated;
  private long decodeStartNanos;
  private double decodeMillis;

  /**
   * Opens the session's manager under {@code modelManager}, for a request that fits the model: its
   * prompt {@code suffix} (the ids after the visual tokens) and token budget fit the context, and
   * its pruner's layers exist (see {@link DjlGroundedCaptioner#openSession}).
   */
  GenerationSession(
      NDManager modelManager,
      GcgNetwork network,
      GcgTokenizer tokenizer,
      SpecialTokens special,
      GenerationRequest request,
      int[] suffix,
      Consumer<float[]> logitsObserver) {
    this.openedNanos = System.nanoTime();
    this.network = Objects.requireNonNull(network, "network is null");
    this.special = Objects.requireNonNull(special, "special is null");
    this.request = Objects.requireNonNull(request, "request is null");
    this.suffix = Objects.requireNonNull(suffix, "suffix is null").clone();
    this.logitsObserver = Objects.requireNonNull(logitsObserver, "logitsObserver is null");
    this.config = network.config();
    this.caption = new CaptionAssembler(tokenizer, special);
    this.random = new Random(request.options().seed());
    this.oneRegionPerPhrase =
        config.singleRegionMasks() ? new Masks.OneRegionPerPhrase(config.groundingSize()) : null;
    this.cacheKeys = new NDArray[config.layers()];
    this.cacheValues = new NDArray[config.layers()];
    this.manager = modelManager.newSubManager();
  }

  /**
   * Encodes the image, runs the LLM over {@code <bos>}, the visual tokens and the prompt with the
   * request's pruner, and chooses the first token.
   *
   * @return the prefill report and, unless the first token ends the generation, the first token
   * @throws IllegalStateException when called twice or after {@link #close}
   */
  public StepEvents prefill() {
    requireOpen();
    if (prefillStarted) {
      throw new IllegalStateException("prefill already ran");
    }
    prefillStarted = true;
    int sequenceLength = 1 + config.visualTokens() + suffix.length;
    ImageRgb input = Images.resize(request.image(), config.imageSize(), config.imageSize());
    PrefillSlots slots = new PrefillSlots(sequenceLength, config.visualTokens(), suffix.length);
    int[] visualPerLayer = new int[config.layers()];
    int[] tokensPerLayer = new int[config.layers()];
    float[] firstLogits;
    try (NDManager scope = manager.newSubManager()) {
      NDArray embedded = encode(scope, input);
      NDArray hidden = prefillLayers(scope, embedded, slots, input, visualPerLayer, tokensPerLayer);
      NDArray last = hidden.get(new NDIndex(":, -1:, :"));
      firstLogits = network.logits(network.finalNorm(last)).toFloatArray();
    }
    nextPosition = sequenceLength;
    logitsObserver.accept(firstLogits);
    double flopsRatio =
        Flops.ratio(tokensPerLayer, sequenceLength, config.hiddenSize(), config.intermediateSize());
    PrefillReport prefillReport =
        new PrefillReport(
            suffix.length + 1,
            config.visualTokens(),
            visualPerLayer,
            flopsRatio,
            (System.nanoTime() - openedNanos) / 1e6,
            prunerNanos / 1e6);
    report = prefillReport;
    decodeStartNanos = System.nanoTime();
    return nextToken(firstLogits, prefillReport, null);
  }

  /**
   * Runs both encoders on the image, keeps what masks need in the session's manager, and returns
   * the embedded sequence {@code <bos>}, visual tokens, prompt {@code (1, S, d)} in {@code scope}.
   */
  private NDArray encode(NDManager scope, ImageRgb input) {
    NDArray pixels = Images.toTensor(scope, input);
    NDArray visual = network.encodeVision(pixels);
    NDArray features = network.encodeGrounding(pixels);
    NDArray projected = network.projectImage(features, visual);
    NDArray glanceFeatures = features.squeeze(0);
    // every mask decode of the request reads these: they outlive prefill on purpose
    projected.attach(manager);
    glanceFeatures.attach(manager);
    pixelQueries = projected;
    groundingFeatures = glanceFeatures;
    return NDArrays.concat(
        new NDList(
            network.embed(scope.create(new long[] {special.bos()}).reshape(1, 1)),
            visual,
            network.embed(
                scope.create(Arrays.stream(suffix).asLongStream().toArray()).reshape(1, -1))),
        1);
  }

  /**
   * The LLM layers over the embedded sequence, pruning where the pruner asks; fills the KV cache
   * and the per-layer counts and returns the last layer's output in {@code scope}.
   */
  private NDArray prefillLayers(
      NDManager scope,
      NDArray embedded,
      PrefillSlots slots,
      ImageRgb input,
      int[] visualPerLayer,
      int[] tokensPerLayer) {
    TokenPruner pruner = request.pruner();
    int[] pruneAfter = pruner.pruneAfterLayers();
    int nextPrune = 0;
    NDArray hidden = embedded;
    // RoPE tables and the causal mask change only when pruning changes the sequence
    NDList rope = network.ropeTables(scope, slots.positions());
    NDArray mask = GcgNetwork.causalMask(scope, slots.positions().length);
    for (int layer = 0; layer < config.layers(); layer++) {
      try (NDManager layerScope = scope.newSubManager()) {
        // the layer consumes its input: in the layer's scope, the input and every intermediate
        // computed from it are freed when the layer ends
        hidden.attach(layerScope);
        boolean prunesHere = nextPrune < pruneAfter.length && pruneAfter[nextPrune] == layer;
        int[] probeRows = prunesHere ? slots.queryRows(pruner.queryRows()) : null;
        LayerOutput out = network.layer(layer, hidden, rope, mask, null, null, probeRows);
        visualPerLayer[layer] = slots.live().length;
        tokensPerLayer[layer] = slots.positions().length;
        // the cache outlives prefill on purpose; the values are a strided view into the layer's
        // fused QKV projection, copied so that the cache does not hold the whole projection
        cacheKeys[layer] = keepForSession(out.keys());
        cacheValues[layer] = keepForSession(out.values().duplicate());
        NDArray next = out.hidden();
        if (prunesHere) {
          next = prune(layer, next, Objects.requireNonNull(out.probe()), slots, input, layerScope);
          nextPrune++;
          rope.close();
          mask.close();
          rope = network.ropeTables(scope, slots.positions());
          mask = GcgNetwork.causalMask(scope, slots.positions().length);
        }
        // the next layer's input outlives this layer's scope: hand it to prefill's
        next.attach(scope);
        hidden = next;
      }
    }
    return hidden;
  }

  /** Asks the pruner which visual tokens to keep after {@code layer} and gathers their rows. */
  private NDArray prune(
      int layer,
      NDArray hidden,
      NDArray probe,
      PrefillSlots slots,
      ImageRgb input,
      NDManager layerScope) {
    float[] scores = slots.visualScores(probe);
    PruningSnapshot view =
        new PruningSnapshot(
            layer, config.gridSize(), config.gridSize(), slots.live(), scores, input);
    long pruneStart = System.nanoTime();
    KeepSet keepSet = request.pruner().prune(view);
    prunerNanos += System.nanoTime() - pruneStart;
    int[] kept = slots.keep(keepSet.keptVisualTokens(), layer);
    return hidden.get(
        new NDIndex(":, {}, :", layerScope.create(Arrays.stream(kept).asLongStream().toArray())));
  }

  /**
   * Feeds the last token through the KV cache and chooses the next one: one decode step. When the
   * fed token is a {@code [SEG]}, its hidden state is decoded into the mask of the phrase it
   * closes.
   *
   * @return the grounded phrase, if any, and the next token, unless the step ended the generation
   *     without one
   * @throws IllegalStateException before {@link #prefill}, after the generation finished or after
   *     {@link #close}
   */
  public StepEvents step() {
    requireOpen();
    if (report == null || isFinished()) {
      throw new IllegalStateException(
          report == null ? "step before prefill" : "step after the generation finished");
    }
    // the last token was the last one allowed: it is a [SEG] (any other would have finished the
    // generation), fed only for its mask
    boolean budgetSpent = generated >= request.options().maxNewTokens();
    GroundedPhrase phrase;
    float[] logits;
    try (NDManager scope = manager.newSubManager()) {
      NDArray normed = forward(scope, lastToken);
      if (lastToken == special.seg()) {
        phrase = ground(normed);
      } else {
        phrase = null;
        if (config.phraseGlance() && caption.phraseIsOpen()) {
          normed = normed.add(glance(normed));
        }
      }
      logits = network.logits(normed).toFloatArray();
    }
    logitsObserver.accept(logits);
    if (budgetSpent) {
      finish(FinishReason.MAX_TOKENS);
      return new StepEvents(null, phrase, null);
    }
    return nextToken(logits, null, phrase);
  }

  /**
   * Runs {@code token} through every layer with the KV cache, replacing each layer's cache, and
   * returns its final-normed hidden state {@code (1, 1, d)} in {@code scope}.
   */
  private NDArray forward(NDManager scope, int token) {
    NDArray x = network.embed(scope.create(new long[] {token}).reshape(1, 1));
    NDList rope = network.ropeTables(scope, new int[] {nextPosition++});
    for (int layer = 0; layer < config.layers(); layer++) {
      LayerOutput out =
          network.layer(layer, x, rope, null, cacheKeys[layer], cacheValues[layer], null);
      cacheKeys[layer].close();
      cacheValues[layer].close();
      // the grown cache outlives the step on purpose
      cacheKeys[layer] = keepForSession(out.keys());
      cacheValues[layer] = keepForSession(out.values());
      x = out.hidden();
    }
    return network.finalNorm(x);
  }

  /** Decodes the mask of a fed {@code [SEG]} and grounds the phrase it closes. */
  private GroundedPhrase ground(NDArray normed) {
    float[] maskLogits = maskLogits(normed);
    float[] logits = oneRegionPerPhrase == null ? maskLogits : oneRegionPerPhrase.keep(maskLogits);
    BinaryMask mask =
        Masks.upsample(
            logits, config.groundingSize(), request.image().width(), request.image().height());
    return caption.ground(mask);
  }

  /**
   * The phrase glance of an in-phrase state {@code (1, 1, d)}: its mask gives the box the glance
   * reads, cut, when masks keep one region, to one region among the cells no earlier phrase took
   * ({@link Masks.OneRegionPerPhrase#peekUnclaimed}); a mask with no cell above 0 gives the whole
   * image.
   */
  private NDArray glance(NDArray normed) {
    int size = config.groundingSize();
    float[] logits = maskLogits(normed);
    if (oneRegionPerPhrase != null) {
      logits = oneRegionPerPhrase.peekUnclaimed(logits);
    }
    float[] box = PhraseGlance.box(logits, size);
    if (box == null) {
      box = new float[] {0, 0, size, size};
    }
    return network
        .glance(normed.getManager(), box, Objects.requireNonNull(groundingFeatures))
        .reshape(1, 1, config.hiddenSize());
  }

  /** The mask logits of a final-normed state {@code (1, 1, d)} over the grounding grid. */
  private float[] maskLogits(NDArray normed) {
    return network
        .maskLogits(normed.reshape(1, config.hiddenSize()), Objects.requireNonNull(pixelQueries))
        .toFloatArray();
  }

  /**
   * Chooses the next token from {@code logits} and emits it, unless the request was cancelled or
   * the token ends the sequence; finishes the generation when that token spends the budget.
   */
  private StepEvents nextToken(
      float[] logits, @Nullable PrefillReport prefillReport, @Nullable GroundedPhrase phrase) {
    int token = Sampling.choose(logits, request.options(), random);
    if (request.cancellation().getAsBoolean()) {
      finish(FinishReason.CANCELLED);
      return new StepEvents(prefillReport, phrase, null);
    }
    generated++;
    if (token == special.eos()) {
      finish(FinishReason.END_OF_SEQUENCE);
      return new StepEvents(prefillReport, phrase, null);
    }
    TokenDelta delta = caption.append(generated - 1, token);
    lastToken = token;
    // a [SEG] as the last token still gets its mask: one more step feeds it
    if (generated >= request.options().maxNewTokens() && token != special.seg()) {
      finish(FinishReason.MAX_TOKENS);
    }
    return new StepEvents(prefillReport, phrase, delta);
  }

  private void finish(FinishReason reason) {
    finishReason = reason;
    decodeMillis = (System.nanoTime() - decodeStartNanos) / 1e6;
  }

  /** Whether the generation ended: {@link #result} is ready and {@link #step} may not be called. */
  public boolean isFinished() {
    return finishReason != null;
  }

  /**
   * The finished generation.
   *
   * @throws IllegalStateException before the generation finished
   */
  public GenerationResult result() {
    if (finishReason == null || report == null) {
      throw new IllegalStateException("the generation has not finished");
    }
    return new GenerationResult(
        caption.text(), caption.phrases(), report, generated, decodeMillis, finishReason);
  }

  /**
   * Bytes the KV cache holds now, over all layers: what a scheduler budgets memory by, since it
   * grows with every step while everything else the session holds is fixed per image.
   */
  public long cacheBytes() {
    long bytes = 0;
    for (int layer = 0; layer < cacheKeys.length; layer++) {
      if (cacheKeys[layer] != null) {
        bytes += byteCount(cacheKeys[layer]) + byteCount(cacheValues[layer]);
      }
    }
    return bytes;
  }

  /** The session's manager, for tests that inspect what it holds. */
  NDManager manager() {
    return manager;
  }

  static long byteCount(NDArray array) {
    return array.getShape().size() * array.getDataType().getNumOfBytes();
  }

  /** Frees every array of the request; the session cannot be used afterwards. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      manager.close();
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the session is closed");
    }
  }

  private NDArray keepForSession(NDArray array) {
    array.attach(manager);
    return array;
  }
}
