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
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Runs the model over a dataset under every configuration, image by image: each image is decoded
 * once and then captioned under every configuration still missing for it, and each result is
 * appended to the {@link ResultLog} at once, so an interrupted run loses at most one generation.
 */
public final class EvalRunner {

  private final GroundedCaptioner captioner;
  private final Function<String, PrunerFactory> factories;
  private final GenerationOptions options;
  private final PrintStream progress;

  /**
   * Creates a runner.
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
    this.captioner = Objects.requireNonNull(captioner, "captioner is null");
    this.factories = Objects.requireNonNull(factories, "factories is null");
    this.options = Objects.requireNonNull(options, "options is null");
    this.progress = Objects.requireNonNull(progress, "progress is null");
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
    int ran = 0;
    for (int index = 0; index < dataset.size(); index++) {
      String imageId = dataset.id(index);
      List<Configuration> missing = new ArrayList<>();
      for (Configuration configuration : configurations) {
        if (!log.done(configuration.id(), imageId)) {
          missing.add(configuration);
        }
      }
      if (missing.isEmpty()) {
        continue;
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
        ran++;
        bar.step(configuration.label() + " " + imageId);
      }
    }
    return ran;
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
