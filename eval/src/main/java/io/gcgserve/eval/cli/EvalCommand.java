package io.gcgserve.eval.cli;

import io.gcgserve.eval.Benchmark;
import io.gcgserve.eval.ConfigurationPlan;
import io.gcgserve.eval.Protocol;
import io.gcgserve.eval.ResultsReport;
import io.gcgserve.eval.data.EvalDataset;
import io.gcgserve.eval.data.GranDfCocoEvalDataset;
import io.gcgserve.eval.data.GranDfEvalDataset;
import io.gcgserve.eval.data.SyntheticEvalDataset;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.data.Split;
import io.gcgserve.model.djl.GcgModels;
import io.gcgserve.model.djl.GlanceScope;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PrunerFactory;
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

  @Option(
      names = "--data",
      description =
          "GranDf directory: training-style annotations JSON + images, or GLaMM's val/test"
              + " ground truth SPLIT_gcg_coco_mask_gt.json + SPLIT_gcg_coco_caption_gt.json.")
  private Path data;

  @Option(
      names = "--split",
      description =
          "With --data holding COCO-format ground truth: which split (val or test; default: the"
              + " only one there).")
  private @Nullable String split;

  @Option(
      names = "--images",
      description =
          "With COCO-format ground truth: the image folder (default: DIR/images, else DIR).")
  private @Nullable Path images;

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
          "Pruners in table order (default: none,fastv,pdrop,altp; none,fastv with --quick);"
              + " name:key=value[:key=value] fixes parameters for every row of that entry, e.g."
              + " pdrop:positions=keep beside pdrop.")
  private @Nullable List<String> pruners;

  @Option(
      names = "--keep-ratios",
      split = ",",
      description = "Fractions of visual tokens kept (default: 0.1,0.25,0.5; 0.1 with --quick).")
  private @Nullable List<Double> keepRatios;

  @Option(
      names = "--protocol",
      defaultValue = "equal-flops",
      description =
          "equal-flops (the paper's protocol, default): each method's keep setting solved so its"
              + " Eq. 5 FLOPs match the reference's at each keep ratio; equal-tokens: every method"
              + " keeps the same final token count.")
  private String protocol;

  @Option(
      names = "--secondary-protocol",
      description = "Also Table 1 under the other protocol, labelled secondary.")
  private boolean secondaryProtocol;

  @Option(
      names = "--flops-reference",
      defaultValue = "fastv",
      description = "Equal FLOPs: whose FLOPs at each keep ratio are the targets (default fastv).")
  private String flopsReference;

  @Option(
      names = "--flops-ratios",
      split = ",",
      description = "Equal FLOPs: explicit Eq. 5 targets in (0, 1], instead of the reference's.")
  private @Nullable List<Double> flopsRatios;

  @Option(
      names = "--baseline",
      defaultValue = "fastv",
      description = "Table 1: every method's difference from this pruner, with its interval.")
  private String baseline;

  @Option(
      names = "--bootstrap",
      defaultValue = "1000",
      description = "Bootstrap resamples over images for the 95%% intervals (0: none).")
  private int bootstrap;

  @Option(
      names = "--bootstrap-seed",
      defaultValue = "1",
      description = "Seed of the bootstrap resamples.")
  private long bootstrapSeed;

  @Option(names = "--ablation", description = "Add Table 3: DDC alone vs ALTP.")
  private boolean ablation;

  @Option(
      names = "--additions",
      description =
          "Add the ALTP additions ablation: the paper-literal ALTP, then each step the paper does"
              + " not state added one at a time (smallest keep ratio).")
  private boolean additions;

  @Option(names = "--sensitivity", description = "Add Table 4: ALTP's N, C and temperature.")
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

  @Option(
      names = "--glance",
      defaultValue = "all",
      description =
          "What the phrase glance reads once tokens are pruned: all (the whole image, as served)"
              + " or kept (only positions whose visual token survived, so the text sees the image"
              + " only through the kept tokens, as in GLaMM). Default: ${DEFAULT-VALUE}.")
  private String glance;

  @Option(
      names = "--workers",
      defaultValue = "1",
      description =
          "Images captioned at a time; results do not depend on it. With OMP_NUM_THREADS=1, one per"
              + " core. Default: ${DEFAULT-VALUE}.")
  private int workers;

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
    GlanceScope glanceScope;
    try {
      glanceScope = GlanceScope.parse(glance);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--glance must be all or kept, not '" + glance + "'");
    }
    if (workers < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--workers must be at least 1, got " + workers);
    }
    List<Double> targets = flopsRatios == null ? List.of() : flopsRatios;
    Protocol parsedProtocol = checkProtocolFlags(targets);
    PrunerRegistry registry = BuiltInPruners.registry();
    checkPruners(registry, selection.pruners());
    registry.require(flopsReference);
    progress.println(
        "gcg-eval: "
            + (quick ? "--quick: " : "")
            + selection.describe()
            + ", protocol "
            + parsedProtocol.flag()
            + (secondaryProtocol ? " (+ " + parsedProtocol.other().flag() + ")" : "")
            + (additions ? ", additions" : "")
            + ", glance reads "
            + glanceScope.label()
            + (workers > 1 ? ", " + workers + " workers" : ""));
    progress.println("gcg-eval: loading " + (model == null ? "the bundled model" : model));
    try (GroundedCaptioner captioner = loadModel(glanceScope)) {
      EvalDataset dataset = dataset(captioner, selection.imageLimit());
      progress.println("gcg-eval: " + dataset.description() + ", " + dataset.size() + " images");
      int room =
          captioner.info().maxContextTokens() - captioner.info().geometry().visualTokens() - 64;
      int tokens = room > 0 ? Math.min(maxNewTokens, room) : maxNewTokens;
      ResultsReport report =
          new Benchmark(captioner, registry::require, progress)
              .run(
                  dataset,
                  new Benchmark.Options(
                      new ConfigurationPlan.Options(
                          selection.pruners(),
                          selection.keepRatios(),
                          parsedProtocol,
                          secondaryProtocol,
                          flopsReference,
                          targets,
                          selection.ablation(),
                          additions,
                          selection.sensitivity(),
                          0),
                      tokens,
                      baseline,
                      bootstrap,
                      bootstrapSeed,
                      workers,
                      glanceScope == GlanceScope.ALL ? "" : " (glance reads kept positions only)"),
                  out);
      System.out.print(report.markdown());
    }
    return 0;
  }

  /** Unknown pruner names and parameters fail before the model loads. */
  private void checkPruners(PrunerRegistry registry, List<String> entries) {
    for (String pruner : entries) {
      PrunerFactory factory = registry.require(ConfigurationPlan.prunerName(pruner));
      try {
        ParameterSpec.rejectUnknown(
            factory.name(), ConfigurationPlan.fixedParameters(pruner), factory.parameters());
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    }
  }

  /** The protocol, after checking the flags that go with it. */
  private Protocol checkProtocolFlags(List<Double> targets) {
    try {
      for (double target : targets) {
        if (!(target > 0 && target <= 1)) {
          throw new IllegalArgumentException("--flops-ratios must lie in (0, 1], got " + target);
        }
      }
      if (bootstrap < 0) {
        throw new IllegalArgumentException("--bootstrap must be >= 0, got " + bootstrap);
      }
      return Protocol.parse(protocol);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /**
   * {@code --data} (GLaMM's COCO-format ground truth when the directory holds it, else the
   * training-style JSON) or {@code --synthetic}.
   */
  private EvalDataset dataset(GroundedCaptioner captioner, int imageLimit) throws IOException {
    if (data != null) {
      return GranDfCocoEvalDataset.present(data)
          ? GranDfCocoEvalDataset.open(data, split, images, imageLimit)
          : new GranDfEvalDataset(data, imageLimit);
    }
    Split parsed;
    try {
      parsed = Split.valueOf(synthetic.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--synthetic must be train, val or test, got " + synthetic);
    }
    return new SyntheticEvalDataset(parsed, seed, captioner.info().imageSize(), imageLimit);
  }

  private GroundedCaptioner loadModel(GlanceScope glanceScope) {
    if (bundled != null) {
      return bundled.get();
    }
    return model == null
        ? GcgModels.loadBundled(device, glanceScope)
        : GcgModels.load(model, device, glanceScope);
  }
}
