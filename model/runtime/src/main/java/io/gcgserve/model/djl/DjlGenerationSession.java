package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GenerationSession;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.StepEvents;
import io.gcgserve.model.StepTimings;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.flops.Flops;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link GenerationSession} on the DJL network. The prefill runs in {@code 1 + layers} pieces:
 * the encoders (vision and grounding, the embedded sequence), then one LLM layer per piece, the
 * pruner running after the layers it asked for, the last piece also choosing the first token.
 * Decode steps run through {@link DecodeBatch}, which calls the package-private step methods here
 * for what is per request (the KV cache, masks, the glance, sampling).
 *
 * <p>Memory: the session owns a sub-manager of the model's manager, and every array of the request
 * is in it or in one of its sub-managers; {@link #close} frees them all. Between prefill pieces the
 * session holds, in a prefill sub-manager, the next layer's input and its RoPE tables and causal
 * mask; each layer's intermediates live in a sub-manager closed when the piece returns. Once the
 * prefill ended it holds only what masks and the glance need ({@link GroundingHeads}); its KV cache
 * is a slot per layer of the captioner's {@link KvPool}, given back on close. DJL creates an op's
 * result in its first operand's manager, so each place that moves an array out says why.
 *
 * <p>Survivors of pruning keep their RoPE positions or are renumbered ({@link
 * TokenPruner#positions}); the KV cache of layers before a pruning point keeps every visual token.
 * Cancellation is read before every prefill piece, by a pruner at work, and once per decode step
 * before the token is emitted, so a {@code [SEG]} already emitted still gets its mask.
 */
public final class DjlGenerationSession implements GenerationSession {

  private final GcgNetwork network;
  private final GcgConfig config;
  private final SpecialTokens special;
  private final GenerationRequest request;
  private final Consumer<float[]> logitsObserver;
  private final int[] suffix;
  private final NDManager manager;
  private final CaptionAssembler caption;
  private final Random random;
  private final int sequenceLength;
  private final int[] visualPerLayer;
  private final int[] tokensPerLayer;

  private final KvPool pool;
  private final KvCache cache;
  private final GlanceScope glanceScope;

  /** The mask decoder and glance over this request's image; set by the encoders' piece. */
  private @Nullable GroundingHeads heads;

  /** What the prefill holds between its pieces; null before the encoders ran and after the end. */
  private @Nullable PrefillState prefill;

  /** The next prefill piece: -1 for the encoders, then the layer; {@code layers} when done. */
  private int nextPiece = -1;

  private long prunerNanos;
  private long prefillNanos; // the time its pieces ran, not the waits between them
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
   * its pruner's layers exist (see {@link DjlGroundedCaptioner#openSession}). The glance reads what
   * {@code glanceScope} allows.
   */
  DjlGenerationSession(
      NDManager modelManager,
      KvPool pool,
      GcgNetwork network,
      GcgTokenizer tokenizer,
      SpecialTokens special,
      GenerationRequest request,
      int[] suffix,
      GlanceScope glanceScope,
      Consumer<float[]> logitsObserver) {
    this.network = Objects.requireNonNull(network, "network is null");
    this.special = Objects.requireNonNull(special, "special is null");
    this.request = Objects.requireNonNull(request, "request is null");
    this.suffix = Objects.requireNonNull(suffix, "suffix is null").clone();
    this.logitsObserver = Objects.requireNonNull(logitsObserver, "logitsObserver is null");
    this.glanceScope = Objects.requireNonNull(glanceScope, "glanceScope is null");
    this.config = network.config();
    this.caption = new CaptionAssembler(tokenizer, special);
    this.random = new Random(request.options().seed());
    this.sequenceLength = 1 + config.visualTokens() + suffix.length;
    this.visualPerLayer = new int[config.layers()];
    this.tokensPerLayer = new int[config.layers()];
    this.manager = modelManager.newSubManager();
    this.pool = pool;
    this.cache = new KvCache(pool, config.layers());
  }

  @Override
  public GenerationRequest request() {
    return request;
  }

  @Override
  public boolean isPrefilling() {
    return report == null && finishReason == null;
  }

  @Override
  public int nextPrefillCost() {
    requirePrefilling();
    PrefillState state = prefill;
    return state == null ? sequenceLength : state.slots.positions().length;
  }

  @Override
  public @Nullable StepEvents advancePrefill() {
    requireOpen();
    requirePrefilling();
    if (request.cancellation().getAsBoolean()) {
      cancel();
      return StepEvents.NONE;
    }
    long pieceStart = System.nanoTime();
    if (nextPiece < 0) {
      encode();
      nextPiece = 0;
      prefillNanos += System.nanoTime() - pieceStart;
      return null;
    }
    PrefillState state = Objects.requireNonNull(prefill);
    try {
      runLayer(state, nextPiece);
    } catch (CancellationException e) {
      if (!request.cancellation().getAsBoolean()) {
        throw e;
      }
      cancel(); // the pruner gave up on the cancelled request
      return StepEvents.NONE;
    }
    nextPiece++;
    if (nextPiece < config.layers()) {
      prefillNanos += System.nanoTime() - pieceStart;
      return null;
    }
    NDArray last = state.hidden.get(new NDIndex(":, -1:, :"));
    float[] firstLogits = network.logits(network.finalNorm(last)).toFloatArray();
    if (glanceScope == GlanceScope.KEPT && state.slots.live().length < config.visualTokens()) {
      Objects.requireNonNull(heads).confineGlance(state.slots.live());
    }
    endPrefill();
    prefillNanos += System.nanoTime() - pieceStart;
    nextPosition = sequenceLength;
    logitsObserver.accept(firstLogits);
    PrefillReport prefillReport = buildReport();
    report = prefillReport;
    decodeStartNanos = System.nanoTime();
    return nextToken(firstLogits, prefillReport, null);
  }

  /**
   * The encoders' piece: runs both encoders on the image, keeps what masks need in the session's
   * manager, and leaves the embedded sequence {@code <bos>}, visual tokens, prompt {@code (1, S,
   * d)} as the first layer's input.
   */
  private void encode() {
    ImageRgb input = Images.resize(request.image(), config.imageSize(), config.imageSize());
    NDManager scope = manager.newSubManager();
    NDArray embedded;
    // the pixels and the encoders' outputs are freed when the piece ends: only the sequence stays
    try (NDManager encoders = scope.newSubManager()) {
      NDArray pixels = Images.toTensor(encoders, input);
      NDArray visual = network.encodeVision(pixels);
      NDArray features = network.encodeGrounding(pixels);
      NDArray projected = network.projectImage(features, visual);
      NDArray glanceFeatures = features.squeeze(0);
      // every mask decode of the request reads these: they outlive prefill on purpose
      projected.attach(manager);
      glanceFeatures.attach(manager);
      heads = new GroundingHeads(network, request.image(), projected, glanceFeatures);
      embedded =
          NDArrays.concat(
              new NDList(
                  network.embed(encoders.create(new long[] {special.bos()}).reshape(1, 1)),
                  visual,
                  network.embed(
                      encoders
                          .create(Arrays.stream(suffix).asLongStream().toArray())
                          .reshape(1, -1))),
              1);
      embedded.attach(scope);
    }
    PrefillSlots slots = new PrefillSlots(sequenceLength, config.visualTokens(), suffix.length);
    // RoPE tables and the causal mask change only when pruning changes the sequence
    prefill =
        new PrefillState(
            scope,
            input,
            slots,
            embedded,
            network.ropeTables(scope, slots.positions()),
            GcgNetwork.causalMask(scope, slots.positions().length));
  }

  /** One LLM layer over the prefill's sequence, pruning after it when the pruner asks. */
  private void runLayer(PrefillState state, int layer) {
    TokenPruner pruner = request.pruner();
    int[] pruneAfter = pruner.pruneAfterLayers();
    try (NDManager layerScope = state.scope.newSubManager()) {
      // the layer consumes its input: in the layer's scope, the input and every intermediate
      // computed from it are freed when the layer ends
      state.hidden.attach(layerScope);
      boolean prunesHere =
          state.nextPrune < pruneAfter.length && pruneAfter[state.nextPrune] == layer;
      int[] probeRows = prunesHere ? state.slots.queryRows(pruner.queryRows()) : null;
      boolean nextRanks =
          probeRows != null
              && pruner.ranking() == TokenPruner.Ranking.NEXT_LAYER
              && layer + 1 < config.layers();
      LayerOutput out =
          network.layer(
              layer,
              state.hidden,
              state.rope,
              state.mask,
              null,
              null,
              nextRanks ? null : probeRows);
      visualPerLayer[layer] = state.slots.live().length;
      tokensPerLayer[layer] = state.slots.positions().length;
      // the cache outlives prefill on purpose: copied into buffers in the session's manager with
      // room for every token the request may still feed, so that decode steps write in place
      cache.fill(layer, out.keys(), out.values(), request.options().maxNewTokens());
      NDArray next = out.hidden();
      if (prunesHere) {
        NDArray probe =
            nextRanks
                ? network.probe(
                    layer + 1, next, state.rope, state.mask, Objects.requireNonNull(probeRows))
                : Objects.requireNonNull(out.probe());
        next = prune(layer, next, probe, state, layerScope);
        state.nextPrune++;
        state.rope.close();
        state.mask.close();
        state.rope = network.ropeTables(state.scope, state.slots.ropePositions(pruner.positions()));
        state.mask = GcgNetwork.causalMask(state.scope, state.slots.positions().length);
      }
      // the next layer's input outlives this layer's scope: hand it to prefill's
      next.attach(state.scope);
      state.hidden = next;
    }
  }

  /** Asks the pruner which visual tokens to keep after {@code layer} and gathers their rows. */
  private NDArray prune(
      int layer, NDArray hidden, NDArray probe, PrefillState state, NDManager layerScope) {
    PrefillSlots slots = state.slots;
    float[] scores = slots.visualScores(probe);
    PruningSnapshot snapshot =
        new PruningSnapshot(
            layer, config.gridSize(), config.gridSize(), slots.live(), scores, state.input);
    long pruneStart = System.nanoTime();
    KeepSet keepSet = request.pruner().prune(snapshot.withCancellation(request.cancellation()));
    prunerNanos += System.nanoTime() - pruneStart;
    int[] kept = slots.keep(keepSet.keptVisualTokens(), layer);
    return hidden.get(
        new NDIndex(":, {}, :", layerScope.create(Arrays.stream(kept).asLongStream().toArray())));
  }

  private void endPrefill() {
    PrefillState state = prefill;
    prefill = null;
    nextPiece = config.layers();
    if (state != null) {
      state.scope.close();
    }
  }

  private PrefillReport buildReport() {
    double flopsRatio =
        Flops.ratio(tokensPerLayer, sequenceLength, config.hiddenSize(), config.intermediateSize());
    return new PrefillReport(
        suffix.length + 1,
        config.visualTokens(),
        visualPerLayer.clone(),
        flopsRatio,
        prefillNanos / 1e6,
        prunerNanos / 1e6);
  }

  @Override
  public void cancel() {
    requireOpen();
    if (finishReason != null) {
      return;
    }
    if (report == null) {
      endPrefill();
      report = buildReport();
      decodeStartNanos = System.nanoTime();
    }
    finish(FinishReason.CANCELLED);
  }

  // ---- one decode step, driven by DecodeBatch ----

  /**
   * Checks that a decode step may run now.
   *
   * @throws IllegalArgumentException before the prefill ended, after the generation finished or
   *     after {@link #close}
   */
  void checkDecodable() {
    if (closed || report == null || finishReason != null) {
      throw new IllegalArgumentException(
          closed
              ? "the session is closed"
              : report == null
                  ? "decode step before the prefill ended"
                  : "decode step after the generation finished");
    }
  }

  NDManager manager() {
    return manager;
  }

  GcgNetwork network() {
    return network;
  }

  /** The token this step feeds: the last one generated. */
  int lastToken() {
    return lastToken;
  }

  /** The RoPE position of the token this step feeds; advances it. */
  int takePosition() {
    return nextPosition++;
  }

  /** Whether this step's token has a position per layer ({@link #layerPosition}). */
  boolean renumbers() {
    return request.pruner().positions() == TokenPruner.Positions.RENUMBER;
  }

  /**
   * The RoPE position in {@code layer} of the token this step feeds, when the pruner renumbers: the
   * next after that layer's cached tokens, which are numbered from 0.
   */
  int layerPosition(int layer) {
    return cache.length(layer);
  }

  KvCache cache() {
    return cache;
  }

  /** What the per-request heads made of this step's final-normed state. */
  record HeadOutput(@Nullable GroundedPhrase phrase, NDArray forLogits) {}

  /**
   * The per-request heads of a step's final-normed state {@code (1, 1, d)}: when the fed token is a
   * {@code [SEG]}, its mask grounds the phrase it closes; while a phrase is open, the glance is
   * added to the state the output head reads.
   */
  HeadOutput heads(NDArray normed, StepTimings timings) {
    GroundingHeads grounding = Objects.requireNonNull(heads);
    long start = System.nanoTime();
    if (lastToken == special.seg()) {
      GroundedPhrase phrase = caption.ground(grounding.mask(normed));
      timings.add(StepTimings.Phase.MASK_DECODE, System.nanoTime() - start);
      return new HeadOutput(phrase, normed);
    }
    if (config.phraseGlance() && caption.phraseIsOpen()) {
      NDArray glanced = normed.add(grounding.glance(normed));
      timings.add(StepTimings.Phase.GLANCE, System.nanoTime() - start);
      return new HeadOutput(null, glanced);
    }
    return new HeadOutput(null, normed);
  }

  /**
   * Ends the step on its logits: chooses and emits the next token, or finishes the generation when
   * the fed token was the last one allowed (a {@code [SEG]} fed only for its mask).
   */
  StepEvents endStep(float[] logits, @Nullable GroundedPhrase phrase) {
    logitsObserver.accept(logits);
    if (generated >= request.options().maxNewTokens()) {
      finish(FinishReason.MAX_TOKENS);
      return new StepEvents(null, phrase, null);
    }
    return nextToken(logits, null, phrase);
  }

  /**
   * Chooses the next token from {@code logits} and emits it, unless the request was cancelled or
   * the token ends the sequence; finishes the generation when that token spends the budget.
   */
  private StepEvents nextToken(
      float[] logits, @Nullable PrefillReport prefillReport, @Nullable GroundedPhrase phrase) {
    float[] scores = config.phraseWordsOnce() ? caption.withoutRepeats(logits) : logits;
    int token = Sampling.choose(scores, request.options(), random);
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

  @Override
  public boolean isFinished() {
    return finishReason != null;
  }

  @Override
  public GenerationResult result() {
    if (finishReason == null || report == null) {
      throw new IllegalStateException("the generation has not finished");
    }
    return new GenerationResult(
        caption.text(), caption.phrases(), report, generated, decodeMillis, finishReason);
  }

  @Override
  public long reservedBytes() {
    // every layer unpruned: the pruner decides later how many tokens a layer keeps
    long cache =
        config.layers()
            * pool.slotBytes(pool.capacityFor(sequenceLength + request.options().maxNewTokens()));
    return cache + GroundingHeads.bytes(config, glanceScope);
  }

  /** Bytes of the session's KV slots taken so far; they do not grow with steps. */
  public long cacheBytes() {
    return cache.bytes();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      prefill = null;
      cache.close();
      manager.close();
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the session is closed");
    }
  }

  private void requirePrefilling() {
    if (!isPrefilling()) {
      throw new IllegalStateException(
          finishReason != null ? "the generation has finished" : "the prefill has ended");
    }
  }
}
