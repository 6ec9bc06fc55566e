package io.gcgserve.server.model;

import static java.util.Objects.requireNonNull;

import com.google.inject.ProvisionException;
import io.gcgserve.engine.Engine;
import io.gcgserve.engine.EngineLimits;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.model.StepwiseCaptioner;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.config.ServerSettings;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model this server serves and the engine that runs it, once the model is loaded and has run
 * one warm-up generation. Until then {@link #captioner()} and {@link #engine()} refuse, so the
 * first client request never pays for lazy initialisation.
 */
public final class ServedModel implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServedModel.class);

  /** Tokens the warm-up generation may produce: enough to run prefill and a few decode steps. */
  static final int WARM_UP_TOKENS = 4;

  private final Provider<StepwiseCaptioner> loader;
  private final boolean warmUp;
  private final EngineLimits limits;

  /** DJL's system property for PyTorch's intra-op threads. */
  static final String TORCH_THREADS = "ai.djl.pytorch.num_threads";

  private final int configuredTokenLimit;
  private final int defaultMaxNewTokens;
  private volatile int maxNewTokensLimit;
  private volatile @Nullable StepwiseCaptioner ready;
  private volatile @Nullable Engine engine;

  /** Takes the (lazy) loader, whether to warm up, and the engine's limits. */
  @Inject
  public ServedModel(Provider<StepwiseCaptioner> loader, ServerConfig config) {
    this.loader = requireNonNull(loader, "loader is null");
    this.warmUp = config.warmUp();
    this.limits = config.engineLimits();
    this.configuredTokenLimit = config.maxNewTokensLimit();
    this.defaultMaxNewTokens = config.defaultMaxNewTokens();
  }

  /**
   * Loads the model, runs one short generation on a synthetic image, starts the engine, then marks
   * it ready.
   *
   * @throws io.gcgserve.model.ModelLoadException when the model cannot be loaded
   */
  public synchronized ModelInfo loadAndWarmUp() {
    StepwiseCaptioner current = ready;
    if (current != null) {
      return current.info();
    }
    long start = System.nanoTime();
    if (limits.prefillLane()) {
      shareCoresWithTheLane();
    }
    StepwiseCaptioner captioner;
    try {
      captioner = loader.get();
    } catch (ProvisionException e) {
      // Guice wraps the loader's exception; callers want the model's own message
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
    ModelInfo info = captioner.info();
    log.info(
        "model '{}' loaded in {} ms: {} layers, {}x{} visual tokens, hidden {}",
        info.name(),
        (System.nanoTime() - start) / 1_000_000,
        info.geometry().layers(),
        info.geometry().gridHeight(),
        info.geometry().gridWidth(),
        info.geometry().hiddenSize());
    try {
      maxNewTokensLimit =
          resolveTokenLimit(
              configuredTokenLimit,
              defaultMaxNewTokens,
              info,
              captioner.promptTokens(info.defaultPrompt()));
    } catch (TokenLimitException e) {
      captioner.close();
      throw e;
    }
    if (warmUp) {
      try {
        warmUp(captioner, info);
      } catch (RuntimeException e) {
        captioner.close();
        throw e;
      }
    }
    Engine started = new Engine(captioner, limits);
    started.start();
    if (warmUp) {
      try {
        log.info(EngineWarmUp.run(started, info, warmUpImage(info.imageSize()), limits.maxBatch()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        started.close();
        captioner.close();
        throw new IllegalStateException("interrupted during the engine warm-up", e);
      } catch (RuntimeException e) {
        started.close();
        captioner.close();
        throw e;
      }
    }
    engine = started;
    ready = captioner;
    log.info(
        "engine started: batch of {}, {} waiting, {} MiB for requests, prefill chunk {} tokens{}",
        limits.maxBatch(),
        limits.queueCapacity(),
        limits.maxReservedBytes() >> 20,
        limits.prefillChunkTokens(),
        limits.prefillLane() ? " on the prefill lane" : " between decode steps");
    return info;
  }

  /**
   * With the prefill lane two threads compute at once, each with its own team of PyTorch intra-op
   * threads: gives each half the cores (at least one), so that they do not oversubscribe them, by
   * DJL's {@value #TORCH_THREADS} property, read once when its PyTorch engine starts. An operator's
   * own setting of it wins.
   */
  private static void shareCoresWithTheLane() {
    if (System.getProperty(TORCH_THREADS) == null) {
      int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
      System.setProperty(TORCH_THREADS, Integer.toString(threads));
      log.info("prefill lane: {} PyTorch intra-op thread(s) per engine thread", threads);
    }
  }

  /**
   * The largest {@code max_new_tokens} a request may ask for: {@code configured}, or the model's
   * ceiling for {@link ServerSettings#AUTO_TOKENS}. The ceiling is what the context leaves after
   * the visual tokens and the default prompt ({@code promptTokens}, begin-of-sequence included).
   *
   * @throws TokenLimitException when {@code configured} or {@code defaultTokens} exceeds the
   *     ceiling
   */
  static int resolveTokenLimit(
      int configured, int defaultTokens, ModelInfo info, int promptTokens) {
    int visual = info.geometry().visualTokens();
    int ceiling = info.maxContextTokens() - visual - promptTokens;
    String derivation =
        "the model's ceiling of "
            + ceiling
            + " (context "
            + info.maxContextTokens()
            + " tokens - "
            + visual
            + " visual tokens - "
            + promptTokens
            + " tokens of the default prompt)";
    if (ceiling < 1) {
      throw new TokenLimitException(
          "model '" + info.name() + "' leaves no room to generate: " + derivation);
    }
    if (configured > ceiling) {
      throw new TokenLimitException(
          ServerSettings.MAX_NEW_TOKENS_LIMIT.flag()
              + " "
              + configured
              + " exceeds "
              + derivation
              + "; use auto or at most "
              + ceiling);
    }
    int limit = configured == ServerSettings.AUTO_TOKENS ? ceiling : configured;
    if (defaultTokens > limit) {
      throw new TokenLimitException(
          ServerSettings.DEFAULT_MAX_NEW_TOKENS.flag()
              + " "
              + defaultTokens
              + " exceeds the limit of "
              + limit
              + (configured == ServerSettings.AUTO_TOKENS
                  ? ", " + derivation
                  : " (" + ServerSettings.MAX_NEW_TOKENS_LIMIT.flag() + ")")
              + "; lower it");
    }
    return limit;
  }

  /**
   * The largest {@code max_new_tokens} a request may ask for, resolved against the model.
   *
   * @throws ModelNotReadyException while loading
   */
  public int maxNewTokensLimit() {
    captioner();
    return maxNewTokensLimit;
  }

  private static void warmUp(StepwiseCaptioner captioner, ModelInfo info) {
    long warmStart = System.nanoTime();
    GenerationResult result =
        captioner.generate(
            new GenerationRequest(
                warmUpImage(info.imageSize()),
                info.defaultPrompt(),
                new NoPruner().create(Map.of(), info.geometry()),
                GenerationOptions.greedy(WARM_UP_TOKENS),
                () -> false),
            GenerationListener.IGNORE);
    log.info(
        "warm-up generation: {} tokens in {} ms",
        result.generatedTokens(),
        (System.nanoTime() - warmStart) / 1_000_000);
  }

  /** True once loaded and warm. */
  public boolean isReady() {
    return ready != null;
  }

  /**
   * The engine that runs requests.
   *
   * @throws ModelNotReadyException while loading
   */
  public Engine engine() {
    Engine current = engine;
    if (current == null) {
      throw new ModelNotReadyException("the model is still loading; retry when health is SERVING");
    }
    return current;
  }

  /** The engine, or null while the model loads: for callers that only poke it. */
  public @Nullable Engine engineIfStarted() {
    return engine;
  }

  /**
   * Stops the engine: no new requests, running ones get up to {@code grace} to finish, then the
   * rest fail with UNAVAILABLE.
   *
   * @return true when every request ended within {@code grace}
   */
  public boolean stopEngine(Duration grace) throws InterruptedException {
    Engine current = engine;
    return current == null || current.shutdown(grace);
  }

  /**
   * The warm model.
   *
   * @throws ModelNotReadyException while loading
   */
  public StepwiseCaptioner captioner() {
    StepwiseCaptioner current = ready;
    if (current == null) {
      throw new ModelNotReadyException("the model is still loading; retry when health is SERVING");
    }
    return current;
  }

  /** A deterministic gradient with a square, so the warm-up exercises real pixels. */
  public static ImageRgb warmUpImage(int side) {
    int size = Math.max(side, 1);
    int[] rgb = new int[size * size];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        boolean inSquare = x > size / 4 && x < size / 2 && y > size / 4 && y < size / 2;
        int red = inSquare ? 220 : (x * 255) / size;
        int green = inSquare ? 30 : (y * 255) / size;
        int blue = inSquare ? 30 : 128;
        rgb[y * size + x] = (red << 16) | (green << 8) | blue;
      }
    }
    return new ImageRgb(size, size, rgb);
  }

  /** Stops the engine at once and frees the model's native memory, if it was loaded. */
  @Override
  public synchronized void close() {
    Engine running = engine;
    engine = null;
    if (running != null) {
      running.close();
    }
    StepwiseCaptioner current = ready;
    ready = null;
    if (current != null) {
      current.close();
    }
  }
}
