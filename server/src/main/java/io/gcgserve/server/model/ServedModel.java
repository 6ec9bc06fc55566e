package io.gcgserve.server.model;

import static java.util.Objects.requireNonNull;

import com.google.inject.ProvisionException;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.server.config.ServerConfig;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model this server serves, once it is loaded and has run one warm-up generation. Until then
 * {@link #captioner()} refuses, so the first client request never pays for lazy initialisation.
 */
public final class ServedModel implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServedModel.class);

  /** Tokens the warm-up generation may produce: enough to run prefill and a few decode steps. */
  static final int WARM_UP_TOKENS = 4;

  private final Provider<GroundedCaptioner> loader;
  private final boolean warmUp;
  private volatile @Nullable GroundedCaptioner ready;

  /** Takes the (lazy) loader and whether to warm up. */
  @Inject
  public ServedModel(Provider<GroundedCaptioner> loader, ServerConfig config) {
    this.loader = requireNonNull(loader, "loader is null");
    this.warmUp = config.warmUp();
  }

  /**
   * Loads the model and runs one short generation on a synthetic image, then marks it ready.
   *
   * @throws io.gcgserve.model.ModelLoadException when the model cannot be loaded
   */
  public synchronized ModelInfo loadAndWarmUp() {
    GroundedCaptioner current = ready;
    if (current != null) {
      return current.info();
    }
    long start = System.nanoTime();
    GroundedCaptioner captioner;
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
    if (warmUp) {
      try {
        warmUp(captioner, info);
      } catch (RuntimeException e) {
        captioner.close();
        throw e;
      }
    }
    ready = captioner;
    return info;
  }

  private static void warmUp(GroundedCaptioner captioner, ModelInfo info) {
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
   * The warm model.
   *
   * @throws ModelNotReadyException while loading
   */
  public GroundedCaptioner captioner() {
    GroundedCaptioner current = ready;
    if (current == null) {
      throw new ModelNotReadyException("the model is still loading; retry when health is SERVING");
    }
    return current;
  }

  /** A deterministic gradient with a square, so the warm-up exercises real pixels. */
  static ImageRgb warmUpImage(int side) {
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

  /** Frees the model's native memory, if it was loaded. */
  @Override
  public synchronized void close() {
    GroundedCaptioner current = ready;
    ready = null;
    if (current != null) {
      current.close();
    }
  }
}
