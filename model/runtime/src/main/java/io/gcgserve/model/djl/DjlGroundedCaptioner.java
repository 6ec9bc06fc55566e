package io.gcgserve.model.djl;

import ai.djl.ndarray.NDManager;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GenerationSession;
import io.gcgserve.model.InvalidRequestException;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.model.ModelLoadException;
import io.gcgserve.model.StepEvents;
import io.gcgserve.model.StepTimings;
import io.gcgserve.model.StepwiseCaptioner;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The GCG model on DJL as a {@link StepwiseCaptioner}: owns the network's weights and the
 * tokenizer, opens a {@link DjlGenerationSession} per request, and steps any number of them at once
 * through {@link DecodeBatch}. Thread-safe: sessions and decode batches on different threads share
 * the read-only weights and the {@link KvPool}, which holds every session's KV cache.
 */
public final class DjlGroundedCaptioner implements StepwiseCaptioner {

  private final NDManager manager;
  private final GcgNetwork network;
  private final GcgTokenizer tokenizer;
  private final ModelInfo info;
  private final SpecialTokens special;
  private final KvPool pool;
  private final GlanceScope glanceScope;

  /** Wraps a network whose weights belong to {@code manager}; closing this captioner closes it. */
  public DjlGroundedCaptioner(NDManager manager, GcgNetwork network, GcgTokenizer tokenizer) {
    this(manager, network, tokenizer, GlanceScope.ALL);
  }

  /**
   * Wraps a network whose weights belong to {@code manager}, its phrase glance reading what {@code
   * glanceScope} allows; closing this captioner closes it.
   */
  public DjlGroundedCaptioner(
      NDManager manager, GcgNetwork network, GcgTokenizer tokenizer, GlanceScope glanceScope) {
    this.glanceScope = Objects.requireNonNull(glanceScope, "glanceScope is null");
    this.manager = Objects.requireNonNull(manager, "manager is null");
    this.network = Objects.requireNonNull(network, "network is null");
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer is null");
    GcgConfig config = network.config();
    if (tokenizer.vocabularySize() != config.vocabSize()) {
      throw new ModelLoadException(
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
    this.special = SpecialTokens.of(tokenizer);
    this.pool = new KvPool(manager, config);
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

  /** What the phrase glance may read once tokens are pruned. */
  public GlanceScope glanceScope() {
    return glanceScope;
  }

  /** The KV pool of every open session, for tests. */
  KvPool pool() {
    return pool;
  }

  /** The tokenizer. */
  public GcgTokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public DjlGenerationSession openSession(GenerationRequest request) {
    return openSession(request, logits -> {});
  }

  @Override
  public List<StepEvents> decode(List<GenerationSession> sessions, StepTimings timings) {
    return DecodeBatch.step(manager, pool, network, sessions, timings);
  }

  @Override
  public int promptTokens(String prompt) {
    Objects.requireNonNull(prompt, "prompt is null");
    String text = prompt.isBlank() ? network.config().defaultPrompt() : prompt;
    // the session runs <bos>, the visual tokens, then these ids: see DjlGenerationSession
    return tokenizer.promptIds(text).length + 1;
  }

  /**
   * {@link #openSession} whose session also hands every next-token logits vector (prefill's, then
   * each decode step's) to {@code logitsObserver}; tests compare them with the teacher-forced
   * forward.
   */
  DjlGenerationSession openSession(GenerationRequest request, Consumer<float[]> logitsObserver) {
    Objects.requireNonNull(request, "request is null");
    GcgConfig config = network.config();
    String prompt = request.prompt().isBlank() ? config.defaultPrompt() : request.prompt();
    int[] suffix = tokenizer.promptIds(prompt);
    validate(config, suffix.length, request);
    return new DjlGenerationSession(
        manager, pool, network, tokenizer, special, request, suffix, glanceScope, logitsObserver);
  }

  private static void validate(GcgConfig config, int suffixLength, GenerationRequest request) {
    int visualTokens = config.visualTokens();
    int maxNewTokens = request.options().maxNewTokens();
    if (1 + visualTokens + suffixLength + maxNewTokens > config.maxPositions()) {
      throw new InvalidRequestException(
          "prompt of "
              + suffixLength
              + " tokens plus "
              + visualTokens
              + " visual tokens plus max_new_tokens "
              + maxNewTokens
              + " exceeds the model context of "
              + config.maxPositions()
              + " tokens; shorten the prompt or lower max_new_tokens");
    }
    int[] pruneAfter = request.pruner().pruneAfterLayers();
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
  }

  /**
   * {@link #generate} that also hands every next-token logits vector to {@code logitsObserver} (see
   * {@link #openSession(GenerationRequest, Consumer)}).
   */
  GenerationResult generate(
      GenerationRequest request, GenerationListener listener, Consumer<float[]> logitsObserver) {
    try (GenerationSession session = openSession(request, logitsObserver)) {
      return runToEnd(session, listener, new StepTimings());
    }
  }

  @Override
  public void close() {
    pool.close();
    tokenizer.close();
    manager.close();
  }
}
