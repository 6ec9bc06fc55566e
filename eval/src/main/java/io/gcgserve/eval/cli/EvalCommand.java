package io.gcgserve.eval.cli;

import io.gcgserve.eval.Benchmark;
import io.gcgserve.eval.ResultsReport;
import io.gcgserve.eval.data.EvalDataset;
import io.gcgserve.eval.data.GranDfEvalDataset;
import io.gcgserve.eval.data.SyntheticEvalDataset;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.data.Split;
import io.gcgserve.model.djl.GcgModels;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.builtin.BuiltInPruners;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bin/gcg-eval}: the paper's pruning comparison for one model and dataset in one command,
 * resumable, with GLaMM's GCG metrics.
 */
@Command(
    name = "gcg-eval",
    mixinStandardHelpOptions = true,
    description =
        "Runs every pruner configuration over a GranDf-format or synthetic split and writes"
            + " results.json, results.md (Tables 1, 3, 4) and pareto.png.")
public final class EvalCommand implements Callable<Integer> {

  @Spec private CommandLine.Model.CommandSpec spec;

  @Option(names = "--data", description = "GranDf-format directory (annotations JSON + images).")
  private Path data;

  @Option(
      names = "--synthetic",
      description = "Synthetic split generated on the fly: train, val or test.")
  private String synthetic;

  @Option(names = "--seed", defaultValue = "2024", description = "Synthetic generator seed.")
  private long seed;

  @Option(
      names = "--limit",
      description = "First N images (default: all of --data, 500 of --synthetic, 8 with --quick).")
  private @Nullable Integer limit;

  @Option(names = "--model", description = "Model directory (default: the bundled checkpoint).")
  private Path model;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu.")
  private String device;

  @Option(
      names = "--pruners",
      split = ",",
      description =
          "Pruners in table order (default: none,fastv,pdrop,altp; none,fastv with --quick).")
  private @Nullable List<String> pruners;

  @Option(
      names = "--keep-ratios",
      split = ",",
      description = "Fractions of visual tokens kept (default: 0.1,0.25,0.5; 0.1 with --quick).")
  private @Nullable List<Double> keepRatios;

  @Option(names = "--ablation", description = "Add Table 3: DDC alone vs ALTP.")
  private boolean ablation;

  @Option(names = "--sensitivity", description = "Add Table 4: ALTP's N and C.")
  private boolean sensitivity;

  @Option(
      names = "--quick",
      description =
          "CI size: fills what is not given with 8 images, pruners none,fastv and keep ratio 0.1;"
              + " --limit, --pruners, --keep-ratios, --ablation and --sensitivity still apply.")
  private boolean quick;

  @Option(
      names = "--max-new-tokens",
      defaultValue = "128",
      description = "Generation limit per caption (default: ${DEFAULT-VALUE}).")
  private int maxNewTokens;

  @Option(names = "--out", required = true, description = "Output directory (resumable).")
  private Path out;

  private final @Nullable Supplier<GroundedCaptioner> bundled;
  private final PrintStream progress;

  /** The command as {@code main} runs it: models from {@link GcgModels}, progress on stderr. */
  public EvalCommand() {
    this(null, System.err);
  }

  /**
   * A command whose model comes from {@code captioner} when it is non-null (tests), else from
   * {@code --model} or the bundled checkpoint.
   */
  public EvalCommand(@Nullable Supplier<GroundedCaptioner> captioner, PrintStream progress) {
    this.bundled = captioner;
    this.progress = progress;
  }

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new EvalCommand()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    if ((data == null) == (synthetic == null)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "give exactly one of --data DIR and --synthetic SPLIT");
    }
    RunSelection selection;
    try {
      selection =
          RunSelection.resolve(
              quick, synthetic != null, limit, pruners, keepRatios, ablation, sensitivity);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    PrunerRegistry registry = BuiltInPruners.registry();
    for (String pruner : selection.pruners()) {
      registry.require(pruner); // unknown names fail before the model loads
    }
    progress.println("gcg-eval: " + (quick ? "--quick: " : "") + selection.describe());
    progress.println("gcg-eval: loading " + (model == null ? "the bundled model" : model));
    try (GroundedCaptioner captioner = loadModel()) {
      EvalDataset dataset;
      if (data != null) {
        dataset = new GranDfEvalDataset(data, selection.imageLimit());
      } else {
        Split split;
        try {
          split = Split.valueOf(synthetic.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--synthetic must be train, val or test, got " + synthetic);
        }
        dataset =
            new SyntheticEvalDataset(
                split, seed, captioner.info().imageSize(), selection.imageLimit());
      }
      progress.println("gcg-eval: " + dataset.description() + ", " + dataset.size() + " images");
      int room =
          captioner.info().maxContextTokens() - captioner.info().geometry().visualTokens() - 64;
      int tokens = room > 0 ? Math.min(maxNewTokens, room) : maxNewTokens;
      ResultsReport report =
          new Benchmark(captioner, registry::require, progress)
              .run(
                  dataset,
                  new Benchmark.Options(
                      selection.pruners(),
                      selection.keepRatios(),
                      selection.ablation(),
                      selection.sensitivity(),
                      tokens),
                  out);
      System.out.print(report.markdown());
    }
    return 0;
  }

  private GroundedCaptioner loadModel() {
    if (bundled != null) {
      return bundled.get();
    }
    return model == null ? GcgModels.loadBundled(device) : GcgModels.load(model, device);
  }
}
