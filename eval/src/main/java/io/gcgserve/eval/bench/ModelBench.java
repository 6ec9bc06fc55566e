package io.gcgserve.eval.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.djl.DjlGroundedCaptioner;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.Images;
import io.gcgserve.model.djl.ModelFiles;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.QueryRows;
import io.gcgserve.pruners.TokenPruner;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/gcg-bench model}: prefill and decode latency of the model, achieved GFLOP/s against a
 * matmul peak measured in the same run, and prefill time when only 10/25/50% of the visual tokens
 * survive after layer K-1 (FastV's schedule) against the Eq. 5 FLOPs ratio.
 */
@Command(
    name = "gcg-bench model",
    mixinStandardHelpOptions = true,
    description = "Benchmarks prefill/decode latency and compute efficiency of a GCG model.")
public final class ModelBench implements Callable<Integer> {

  @Option(names = "--model", description = "Model directory (default: the bundled checkpoint).")
  private Path modelDirectory;

  @Option(names = "--device", defaultValue = "cpu", description = "auto, cpu or gpu.")
  private String device;

  @Option(names = "--iterations", defaultValue = "15", description = "Timed runs per figure.")
  private int iterations;

  @Option(names = "--warmup", defaultValue = "3", description = "Untimed runs first.")
  private int warmup;

  @Option(names = "--decode-tokens", defaultValue = "32", description = "Tokens per decode run.")
  private int decodeTokens;

  @Option(
      names = "--prune-after-layer",
      defaultValue = "1",
      description = "Layer after which the keep-ratio runs prune (FastV K-1).")
  private int pruneAfterLayer;

  private ModelBench() {}

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ModelBench()).execute(args));
  }

  @Override
  public Integer call() {
    DjlGroundedCaptioner captioner =
        modelDirectory == null
            ? ModelFiles.loadBundled(ModelFiles.device(device))
            : ModelFiles.loadDirectory(modelDirectory, ModelFiles.device(device));
    try (captioner) {
      GcgConfig config = captioner.config();
      ImageRgb image = noise(config.imageSize(), 11);
      System.out.printf(
          "model %s: image %d, %d visual tokens, LLM d=%d layers=%d ffn=%d, threads=%s%n",
          config.name(),
          config.imageSize(),
          config.visualTokens(),
          config.hiddenSize(),
          config.layers(),
          config.intermediateSize(),
          System.getProperty("ai.djl.pytorch.num_threads", "engine default"));

      double peak = matmulPeakGflops(iterations);
      System.out.printf("matmul peak (1024x1024 float32): %.1f GFLOP/s%n", peak);

      TokenPruner none = new NoPruner().create(Map.of(), config.geometry());
      double[] keeps = {1.0, 0.5, 0.25, 0.1};
      // interleave the configurations so that machine noise hits them alike
      double[][] prefill = new double[keeps.length][iterations];
      double[] flopsRatio = new double[keeps.length];
      for (int i = -warmup; i < iterations; i++) {
        for (int k = 0; k < keeps.length; k++) {
          TokenPruner pruner = keeps[k] == 1.0 ? none : new KeepFirst(pruneAfterLayer, keeps[k]);
          PrefillReport report = run(captioner, image, pruner, 1).prefill();
          flopsRatio[k] = report.flopsRatio();
          if (i >= 0) {
            prefill[k][i] = report.prefillMillis();
          }
        }
      }
      double prefillMedian = median(prefill[0]);
      double encoderMedian = encoderMillis(captioner, image);
      int promptTokens = captioner.tokenizer().promptIds(config.defaultPrompt()).length;
      int sequence = 1 + config.visualTokens() + promptTokens;
      double prefillFlops = PrefillFlops.total(config, sequence);
      double achieved = prefillFlops / (prefillMedian / 1000) / 1e9;
      System.out.printf(
          "prefill (unpruned, %d tokens, vision + grounding + LLM): median %.1f ms, %.2f GFLOP"
              + " -> %.1f GFLOP/s = %.0f%% of matmul peak%n",
          sequence, prefillMedian, prefillFlops / 1e9, achieved, 100 * achieved / peak);

      double[] perToken = new double[iterations];
      for (int i = -warmup; i < iterations; i++) {
        GenerationResult result = run(captioner, image, none, decodeTokens);
        if (i >= 0) {
          perToken[i] = result.decodeMillis() / Math.max(1, result.generatedTokens());
        }
      }
      System.out.printf(
          "decode: median %.2f ms/token (%d-token runs)%n", median(perToken), decodeTokens);

      System.out.printf(
          "encoders (vision + grounding, never pruned): median %.1f ms; LLM prefill = prefill -"
              + " encoders = %.1f ms%n",
          encoderMedian, prefillMedian - encoderMedian);
      System.out.printf(
          "pruning after layer %d (keep the first tokens; the schedule, not the choice, sets the"
              + " cost)%n",
          pruneAfterLayer);
      System.out.println(
          "keep  Eq.5 FLOPs ratio  prefill ms  LLM prefill ms  LLM measured/unpruned  "
              + "speedup / theoretical");
      double llmUnpruned = prefillMedian - encoderMedian;
      for (int k = 1; k < keeps.length; k++) {
        double llm = median(prefill[k]) - encoderMedian;
        double measured = llm / llmUnpruned;
        System.out.printf(
            "%.2f  %.3f             %7.1f     %7.1f         %.3f                  %.2f%n",
            keeps[k], flopsRatio[k], median(prefill[k]), llm, measured, flopsRatio[k] / measured);
      }
    }
    return 0;
  }

  private static GenerationResult run(
      DjlGroundedCaptioner captioner, ImageRgb image, TokenPruner pruner, int maxNewTokens) {
    GenerationRequest request =
        new GenerationRequest(
            image, "", pruner, new GenerationOptions(maxNewTokens, 0.0, 1.0, 0L), () -> false);
    return captioner.generate(request, GenerationListener.IGNORE);
  }

  /** Keeps a fixed fraction of the live tokens (the first ones by grid index) after one layer. */
  private record KeepFirst(int layer, double keep) implements TokenPruner {
    @Override
    public int[] pruneAfterLayers() {
      return new int[] {layer};
    }

    @Override
    public QueryRows queryRows() {
      return QueryRows.LAST_PROMPT;
    }

    @Override
    public KeepSet prune(PruningView view) {
      int[] live = view.liveVisualTokens();
      return new KeepSet(Arrays.copyOf(live, Math.max(1, (int) Math.round(live.length * keep))));
    }
  }

  private double encoderMillis(DjlGroundedCaptioner captioner, ImageRgb image) {
    double[] times = new double[iterations];
    for (int i = -warmup; i < iterations; i++) {
      try (NDManager manager = NDManager.newBaseManager()) {
        long start = System.nanoTime();
        NDArray pixels = Images.toTensor(manager, image);
        NDArray visual = captioner.network().encodeVision(pixels);
        visual.toFloatArray();
        captioner
            .network()
            .projectImage(captioner.network().encodeGrounding(pixels), visual)
            .toFloatArray();
        if (i >= 0) {
          times[i] = (System.nanoTime() - start) / 1e6;
        }
      }
    }
    return median(times);
  }

  private static double matmulPeakGflops(int iterations) {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray a = manager.randomNormal(new Shape(1024, 1024));
      NDArray b = manager.randomNormal(new Shape(1024, 1024));
      double[] rates = new double[iterations];
      for (int i = -3; i < iterations; i++) {
        long start = System.nanoTime();
        a.matMul(b).close();
        a.matMul(b).close();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (i >= 0) {
          rates[i] = 2 * 2.0 * 1024 * 1024 * 1024 / seconds / 1e9;
        }
      }
      return median(rates);
    }
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  private static ImageRgb noise(int size, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] rgb = new int[size * size];
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = random.nextInt(0x1000000);
    }
    return new ImageRgb(size, size, rgb);
  }
}
