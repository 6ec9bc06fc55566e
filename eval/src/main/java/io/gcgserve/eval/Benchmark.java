package io.gcgserve.eval;

import io.gcgserve.eval.data.EvalDataset;
import io.gcgserve.eval.metrics.PhraseSimilarity;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.model.image.ImageFiles;
import io.gcgserve.pruners.PrunerFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One benchmark invocation: plans the configurations, produces the missing predictions (resuming
 * from {@code predictions.jsonl}), scores every configuration and writes {@code results.json},
 * {@code results.md} and {@code pareto.png}.
 */
public final class Benchmark {

  /**
   * What to run.
   *
   * @param plan the tables; its {@code textTokens} is replaced by the model's count for its default
   *     prompt
   * @param maxNewTokens generation limit per caption
   * @param baseline the pruner every other method of a Table 1 group is compared with
   * @param bootstrap bootstrap resamples for the intervals (0: none)
   * @param bootstrapSeed seed of the resamples
   * @param workers images captioned at a time
   * @param modelNote appended to the model's name in the report, e.g. {@code " (glance: kept)"}
   */
  public record Options(
      ConfigurationPlan.Options plan,
      int maxNewTokens,
      String baseline,
      int bootstrap,
      long bootstrapSeed,
      int workers,
      String modelNote) {}

  private final GroundedCaptioner captioner;
  private final Function<String, PrunerFactory> factories;
  private final PrintStream progress;

  /** A benchmark of {@code captioner}, pruners looked up with {@code factories}. */
  public Benchmark(
      GroundedCaptioner captioner,
      Function<String, PrunerFactory> factories,
      PrintStream progress) {
    this.captioner = Objects.requireNonNull(captioner, "captioner is null");
    this.factories = Objects.requireNonNull(factories, "factories is null");
    this.progress = Objects.requireNonNull(progress, "progress is null");
  }

  /** Runs and reports into {@code out}. */
  public ResultsReport run(EvalDataset dataset, Options options, Path out) throws IOException {
    long began = System.nanoTime();
    ModelInfo info = captioner.info();
    ConfigurationPlan.Options requested = options.plan();
    ConfigurationPlan plan =
        ConfigurationPlan.build(
            new ConfigurationPlan.Options(
                requested.pruners(),
                requested.keepRatios(),
                requested.protocol(),
                requested.secondary(),
                requested.flopsReference(),
                requested.flopsRatios(),
                requested.ablation(),
                requested.additions(),
                requested.sensitivity(),
                captioner.promptTokens(info.defaultPrompt())),
            factories,
            info.geometry());
    List<Configuration> configurations = plan.distinct();
    Map<String, ConfigurationResult> results = new LinkedHashMap<>();
    try (ResultLog log = new ResultLog(out)) {
      new EvalRunner(
              captioner,
              factories,
              GenerationOptions.greedy(options.maxNewTokens()),
              progress,
              options.workers())
          .run(dataset, configurations, log);
      progress.println("gcg-eval: scoring");
      Scoring scoring = new Scoring(dataset, PhraseSimilarity.bigramDice());
      for (Configuration configuration : configurations) {
        results.put(configuration.id(), scoring.score(configuration, log));
      }
    }
    ResultsReport report =
        new ResultsReport(
            dataset.description(),
            dataset.size(),
            info.name() + options.modelNote(),
            info.geometry().visualTokens(),
            plan,
            results,
            (System.nanoTime() - began) / 1e9,
            Intervals.of(
                plan, results, options.baseline(), options.bootstrap(), options.bootstrapSeed()));
    report.write(out);
    ImageFiles.writePng(
        ParetoChart.render(
            ParetoChart.series(plan, results),
            "AP50 vs FLOPs: " + info.name() + ", " + dataset.size() + " images"),
        out.resolve("pareto.png"));
    progress.println("gcg-eval: wrote results.json, results.md, pareto.png to " + out);
    return report;
  }
}
