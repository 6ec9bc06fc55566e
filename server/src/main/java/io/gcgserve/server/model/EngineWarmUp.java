package io.gcgserve.server.model;

import io.gcgserve.engine.Engine;
import io.gcgserve.engine.GenerationSink;
import io.gcgserve.engine.RejectedException;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.NoPruner;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The engine's warm-up: a full batch of requests submitted at once, so that what only concurrent
 * requests reach runs before the first client's: both prefill threads, the KV pool's arrays grown
 * to a full batch's slots, decode steps at every batch size from the full one down to one (the
 * requests are held out of decode steps until all have prefilled, then end one step apart), and the
 * JIT's compilation of those paths. Without it, the first seconds of load after start-up were
 * several times slower than the rest (server/README.md, Health).
 */
final class EngineWarmUp {

  /**
   * Tokens the first warm-up request generates, the next one more each: enough decode steps for the
   * JIT to see them.
   */
  static final int TOKENS = 16;

  /** How long the warm-up may take before start-up fails. */
  static final long TIMEOUT_SECONDS = 300;

  private EngineWarmUp() {}

  /**
   * Runs {@code rows} warm-up requests at once on {@code engine} (fewer when the engine refuses
   * more) and waits for them.
   *
   * @return a line for the log
   * @throws IllegalStateException when a request failed or the warm-up timed out
   */
  static String run(Engine engine, ModelInfo info, ImageRgb image, int rows)
      throws InterruptedException {
    long start = System.nanoTime();
    CountDownLatch done = new CountDownLatch(rows);
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    AtomicInteger tokens = new AtomicInteger();
    AtomicInteger prefilled = new AtomicInteger();
    AtomicInteger expected = new AtomicInteger(rows);
    GenerationSink sink =
        new GenerationSink() {
          @Override
          public void onPrefill(PrefillReport report) {
            if (prefilled.incrementAndGet() >= expected.get()) {
              engine.wake();
            }
          }

          @Override
          public boolean canTakeStep() {
            // held until every request prefilled, so that the first step is the full batch
            return prefilled.get() >= expected.get();
          }

          @Override
          public void onFinished(GenerationResult result) {
            tokens.addAndGet(result.generatedTokens());
            done.countDown();
          }

          @Override
          public void onFailed(Throwable cause) {
            failure.compareAndSet(null, cause);
            prefilled.incrementAndGet(); // never prefills: not waited for
            engine.wake();
            done.countDown();
          }
        };
    int submitted = 0;
    for (; submitted < rows; submitted++) {
      try {
        engine.submit(
            new GenerationRequest(
                image,
                info.defaultPrompt(),
                new NoPruner().create(Map.of(), info.geometry()),
                GenerationOptions.greedy(TOKENS + submitted),
                () -> false),
            sink);
      } catch (RejectedException e) {
        break; // no room for more: warm what fits
      }
    }
    expected.set(submitted);
    engine.wake();
    for (int i = submitted; i < rows; i++) {
      done.countDown();
    }
    if (!done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      throw new IllegalStateException(
          "the engine warm-up did not end within " + TIMEOUT_SECONDS + " s");
    }
    Throwable cause = failure.get();
    if (cause != null) {
      throw new IllegalStateException("an engine warm-up request failed", cause);
    }
    return String.format(
        Locale.ROOT,
        "engine warm-up: %d requests at once, %d tokens in %d ms",
        submitted,
        tokens.get(),
        (System.nanoTime() - start) / 1_000_000);
  }
}
