package io.gcgserve.eval;

import io.gcgserve.eval.data.EvalDataset;
import io.gcgserve.eval.metrics.LabeledMask;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.TokenPruner;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Runs the model over a dataset under every configuration, image by image: each image is decoded
 * once and then captioned under every configuration still missing for it, and each result is
 * appended to the {@link ResultLog} at once, so an interrupted run loses at most one generation per
 * worker. The log is safe to share between workers.
 */
public final class EvalRunner {

  private final GroundedCaptioner captioner;
  private final Function<String, PrunerFactory> factories;
  private final GenerationOptions options;
  private final PrintStream progress;
  private final int workers;

  /**
   * Creates a runner that captions one image at a time.
   *
   * @param factories looks a pruner factory up by name
   * @param options decoding options (greedy for reproducible tables)
   * @param progress where the progress bar goes (stderr)
   */
  public EvalRunner(
      GroundedCaptioner captioner,
      Function<String, PrunerFactory> factories,
      GenerationOptions options,
      PrintStream progress) {
    this(captioner, factories, options, progress, 1);
  }

  /**
   * Creates a runner that captions {@code workers} images at a time (each image's configurations in
   * order on one thread). Greedy results do not depend on it; the speed figures of the predictions
   * (prefill and decode milliseconds) do, since the workers share the cores.
   */
  public EvalRunner(
      GroundedCaptioner captioner,
      Function<String, PrunerFactory> factories,
      GenerationOptions options,
      PrintStream progress,
      int workers) {
    this.captioner = Objects.requireNonNull(captioner, "captioner is null");
    this.factories = Objects.requireNonNull(factories, "factories is null");
    this.options = Objects.requireNonNull(options, "options is null");
    this.progress = Objects.requireNonNull(progress, "progress is null");
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    this.workers = workers;
  }

  /**
   * Produces every missing (configuration, image) prediction.
   *
   * @return the number of generations run (0 when everything was already done)
   */
  public int run(EvalDataset dataset, List<Configuration> configurations, ResultLog log)
      throws IOException {
    int pending = 0;
    for (int index = 0; index < dataset.size(); index++) {
      for (Configuration configuration : configurations) {
        if (!log.done(configuration.id(), dataset.id(index))) {
          pending++;
        }
      }
    }
    int total = dataset.size() * configurations.size();
    progress.printf(
        "gcg-eval: %d configurations x %d images: %d done, %d to run%n",
        configurations.size(), dataset.size(), total - pending, pending);
    if (pending == 0) {
      return 0;
    }
    ProgressBar bar = new ProgressBar(progress, pending, System::nanoTime);
    String prompt = captioner.info().defaultPrompt();
    AtomicInteger nextImage = new AtomicInteger();
    AtomicInteger ran = new AtomicInteger();
    Callable<@Nullable Void> worker =
        () -> {
          for (int index = nextImage.getAndIncrement();
              index < dataset.size();
              index = nextImage.getAndIncrement()) {
            runImage(dataset, index, configurations, log, prompt, bar, ran);
          }
          return null;
        };
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Future<@Nullable Void>> futures = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        futures.add(pool.submit(worker));
      }
      for (Future<@Nullable Void> future : futures) {
        try {
          future.get();
        } catch (ExecutionException e) {
          nextImage.set(dataset.size()); // the other workers stop after their current image
          Throwable cause = e.getCause();
          if (cause instanceof IOException io) {
            throw io;
          }
          if (cause instanceof RuntimeException runtime) {
            throw runtime;
          }
          throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while waiting for the eval workers");
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return ran.get();
  }

  /** Captions one image under every configuration still missing for it. */
  private void runImage(
      EvalDataset dataset,
      int index,
      List<Configuration> configurations,
      ResultLog log,
      String prompt,
      ProgressBar bar,
      AtomicInteger ran)
      throws IOException {
    String imageId = dataset.id(index);
    List<Configuration> missing = new ArrayList<>();
    for (Configuration configuration : configurations) {
      if (!log.done(configuration.id(), imageId)) {
        missing.add(configuration);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    ImageRgb image = dataset.image(index); // decoded once, shared by every configuration
    for (Configuration configuration : missing) {
      TokenPruner pruner =
          factories
              .apply(configuration.pruner())
              .create(configuration.parameters(), captioner.info().geometry());
      GenerationResult result =
          captioner.generate(
              new GenerationRequest(image, prompt, pruner, options, () -> false),
              GenerationListener.IGNORE);
      log.append(record(configuration, imageId, image, result));
      ran.incrementAndGet();
      synchronized (bar) {
        bar.step(configuration.label() + " " + imageId);
      }
    }
  }

  private static PredictionRecord record(
      Configuration configuration, String imageId, ImageRgb image, GenerationResult result) {
    List<LabeledMask> phrases = new ArrayList<>();
    for (GroundedPhrase phrase : result.phrases()) {
      if (phrase.mask().width() != image.width() || phrase.mask().height() != image.height()) {
        throw new IllegalStateException(
            "the model returned a "
                + phrase.mask().width()
                + "x"
                + phrase.mask().height()
                + " mask for a "
                + image.width()
                + "x"
                + image.height()
                + " image");
      }
      phrases.add(new LabeledMask(phrase.phrase(), phrase.mask().pixels()));
    }
    return new PredictionRecord(
        configuration.id(),
        imageId,
        result.caption(),
        phrases,
        image.width(),
        image.height(),
        result.prefill().flopsRatio(),
        result.prefill().visualTokensKept(),
        result.prefill().prefillMillis(),
        result.decodeMillis(),
        result.generatedTokens());
  }
}
