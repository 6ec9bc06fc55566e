package io.gcgserve.server.budget;

import io.gcgserve.engine.Engine;
import io.gcgserve.engine.GenerationSink;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.flops.KeepSearch;
import io.gcgserve.pruners.ranking.KeepBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeds the {@link CostModel} at start-up, after the warm-up and before health reports SERVING:
 * one-token generations through the engine (the served path) on the warm-up image, unpruned once
 * and each pruner with a keep setting at {@link #KEEP_RATIOS} after one untimed run (its first run
 * pays for class loading and JIT), timing each from joining the batch to the end of its prefill.
 */
public final class Calibration {

  /** Keep ratios timed per pruner; the line through them is the prior of its curve. */
  static final double[] KEEP_RATIOS = {0.1, 0.5};

  private static final Logger log = LoggerFactory.getLogger(Calibration.class);
  private static final long TIMEOUT_SECONDS = 60;

  private final Engine engine;
  private final ModelInfo info;
  private final ImageRgb image;

  /** Calibrates on {@code engine}, which runs a model described by {@code info}. */
  public Calibration(Engine engine, ModelInfo info, ImageRgb image) {
    this.engine = Objects.requireNonNull(engine, "engine is null");
    this.info = Objects.requireNonNull(info, "info is null");
    this.image = Objects.requireNonNull(image, "image is null");
  }

  /**
   * Times the pruners of {@code registry} and seeds {@code costs}; a pruner that fails is logged
   * and left to the unpruned curve.
   *
   * @return one line of what was measured, for the start-up log
   */
  public String run(PrunerRegistry registry, CostModel costs) throws InterruptedException {
    long start = System.nanoTime();
    List<String> parts = new ArrayList<>();
    double unpruned = time(new NoPruner().create(Map.of(), info.geometry()));
    costs.calibrate(NoPruner.NAME, new double[] {1.0}, new double[] {unpruned});
    parts.add(String.format(Locale.ROOT, "none %.1f ms", unpruned));
    for (String name : registry.names()) {
      PrunerFactory factory = registry.require(name);
      if (!KeepSearch.hasKeepSetting(factory)) {
        continue;
      }
      try {
        time(pruner(factory, 0.25));
        double[] millis = new double[KEEP_RATIOS.length];
        for (int i = 0; i < KEEP_RATIOS.length; i++) {
          millis[i] = time(pruner(factory, KEEP_RATIOS[i]));
        }
        costs.calibrate(name, KEEP_RATIOS, millis);
        parts.add(String.format(Locale.ROOT, "%s %.1f / %.1f ms", name, millis[0], millis[1]));
      } catch (RuntimeException e) {
        log.warn("budget calibration of pruner '{}' failed; it is predicted as unpruned", name, e);
      }
    }
    return String.format(
        Locale.ROOT,
        "cost model calibrated in %d ms (prefill at keep %s): %s",
        (System.nanoTime() - start) / 1_000_000,
        "0.1 / 0.5",
        String.join("; ", parts));
  }

  private TokenPruner pruner(PrunerFactory factory, double keepRatio) {
    int tokens = Math.max(1, (int) Math.round(keepRatio * info.geometry().visualTokens()));
    return factory.create(
        Map.of(KeepBudget.KEEP_TOKENS, Integer.toString(tokens)), info.geometry());
  }

  /** Runs one one-token generation; its service time in ms. */
  private double time(TokenPruner pruner) throws InterruptedException {
    Timer timer = new Timer();
    engine.submit(
        new GenerationRequest(
            image, info.defaultPrompt(), pruner, GenerationOptions.greedy(1), () -> false),
        timer);
    if (!timer.done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      throw new IllegalStateException("a calibration prefill took over " + TIMEOUT_SECONDS + " s");
    }
    if (timer.failure != null) {
      throw new IllegalStateException("a calibration prefill failed", timer.failure);
    }
    return (timer.prefilledNanos - timer.startedNanos) / 1e6;
  }

  /** Times one request on the engine's thread. */
  private static final class Timer implements GenerationSink {
    final CountDownLatch done = new CountDownLatch(1);
    volatile long startedNanos;
    volatile long prefilledNanos;
    volatile @Nullable Throwable failure;

    @Override
    public void onStarted() {
      startedNanos = System.nanoTime();
    }

    @Override
    public void onPrefill(PrefillReport report) {
      prefilledNanos = System.nanoTime();
    }

    @Override
    public boolean canTakeStep() {
      return true;
    }

    @Override
    public void onFinished(GenerationResult result) {
      done.countDown();
    }

    @Override
    public void onFailed(Throwable failure) {
      this.failure = failure;
      done.countDown();
    }
  }
}
