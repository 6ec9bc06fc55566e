package io.gcgserve.eval.bench;

import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.djl.GcgModels;
import io.gcgserve.model.djl.Images;
import io.gcgserve.model.image.ImageFiles;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.SingleLayerPrunerFactory;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.altp.Allocation;
import io.gcgserve.pruners.altp.AltpOptions;
import io.gcgserve.pruners.altp.AltpPruner;
import io.gcgserve.pruners.altp.AltpPrunerFactory;
import io.gcgserve.pruners.altp.Segmentation;
import io.gcgserve.pruners.altp.SuperpixelSegmenter;
import io.gcgserve.pruners.ranking.KeepBudget;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Figures for ALTP's overhead (not a timed test): median selection time (SLIC, allocation +
 * ranking, total) at several segmentation resolutions, boundary recall of low-resolution SLIC
 * against full-resolution SLIC and against the true object edges of synthetic scenes, and, when a
 * model loads, the median unpruned prefill of that model in the same run and ALTP's share of it.
 */
@Command(
    name = "pruner-bench",
    mixinStandardHelpOptions = true,
    description = "ALTP selection time vs. unpruned prefill, and low-resolution SLIC fidelity.")
public final class PrunerBench implements Callable<Integer> {

  private static final int SIDE = 336;
  private static final int GRID = 24;

  @Option(names = "--warmup", defaultValue = "15", description = "Warm-up runs per figure.")
  private int warmup = 15;

  @Option(names = "--iterations", defaultValue = "40", description = "Timed runs per figure.")
  private int iterations = 40;

  @Option(
      names = "--scenes",
      defaultValue = "4",
      description = "Synthetic scenes for boundary recall (full-resolution SLIC is slow).")
  private int scenes = 4;

  @Option(names = "--image", description = "Also time ALTP on this photograph (PNG/JPEG).")
  private @Nullable Path image;

  @Option(names = "--model", description = "Model directory; the bundled checkpoint by default.")
  private @Nullable Path model;

  @Option(names = "--device", defaultValue = "cpu", description = "auto, cpu or gpu.")
  private String device = "cpu";

  @Option(names = "--skip-model", description = "Do not try to load a model for the prefill.")
  private boolean skipModel;

  @Option(
      names = "--worst-case",
      description =
          "Only time ALTP at the most expensive parameter combinations its caps allow"
              + " (try --warmup 3 --iterations 11).")
  private boolean worstCase;

  /** Parses arguments and runs. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new PrunerBench()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    if (worstCase) {
      new PrunerBenchWorstCase(warmup, iterations).print();
      return 0;
    }
    ModelGeometry geometry = new ModelGeometry(32, GRID, GRID, 4096, 11008);
    ImageRgb scene = PrunerBenchScenes.scene(SIDE, 7).image();
    System.out.printf(
        "ALTP selection, %dx%d image, %dx%d tokens, defaults (N=10, C=5, sigma=0.8,"
            + " keep_ratio=0.5); median of %d after %d warm-up%n",
        SIDE, SIDE, GRID, GRID, iterations, warmup);
    System.out.println("px/token  label grid  regions  SLIC ms  alloc+rank ms  total ms");
    double defaultTotal = Double.NaN;
    for (int pixelsPerToken : new int[] {1, 2, 4, 7, 14}) {
      boolean slow = pixelsPerToken >= 7;
      Timing timing =
          timeAltp(
              geometry,
              scene,
              pixelsPerToken,
              slow ? Math.min(2, warmup) : warmup,
              slow ? Math.min(3, iterations) : iterations);
      System.out.printf(
          "%-9s %-11s %7d %8.2f %14.2f %9.2f%n",
          pixelsPerToken + (pixelsPerToken == 2 ? "*" : ""),
          (GRID * pixelsPerToken) + "x" + (GRID * pixelsPerToken),
          timing.regions,
          timing.slicMillis,
          timing.allocationMillis,
          timing.totalMillis);
      if (pixelsPerToken == 2) {
        defaultTotal = timing.totalMillis;
      }
    }
    System.out.println(
        "(* default segment_pixels_per_token; 7 and 14 are past the factory's cost cap of 4,"
            + " built directly for comparison and timed over 3 runs)");
    if (image != null) {
      ImageRgb photo = Images.resize(ImageFiles.read(image), SIDE, SIDE);
      Timing timing = timeAltp(geometry, photo, 2, warmup, iterations);
      System.out.printf(
          "photo %s: regions %d, SLIC %.2f ms, alloc+rank %.2f ms, total %.2f ms%n",
          image, timing.regions, timing.slicMillis, timing.allocationMillis, timing.totalMillis);
    }

    printBoundaryRecall();

    if (!skipModel) {
      measurePrefill(defaultTotal);
    }
    return 0;
  }

  private record Timing(
      int regions, double slicMillis, double allocationMillis, double totalMillis) {}

  private static PruningView view(ImageRgb image, float[] scores) {
    return PruningSnapshot.allLive(1, GRID, GRID, scores, image);
  }

  private static float[] randomScores(long seed) {
    Random random = new Random(seed);
    float[] scores = new float[GRID * GRID];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = random.nextFloat();
    }
    return scores;
  }

  private static Timing timeAltp(
      ModelGeometry geometry, ImageRgb image, int pixelsPerToken, int warmups, int runs) {
    AltpPruner pruner = altpAt(pixelsPerToken, geometry);
    PruningView view = view(image, randomScores(3));
    Segmentation segmentation = pruner.segment(image, GRID, GRID);
    double slic = median(() -> pruner.segment(image, GRID, GRID), warmups, runs);
    double allocation = median(() -> pruner.select(view, segmentation), warmups, runs);
    double total = median(() -> pruner.prune(view), warmups, runs);
    return new Timing(segmentation.regionCount(), slic, allocation, total);
  }

  private static double median(Supplier<?> work, int warmups, int runs) {
    Object sink = null;
    for (int i = 0; i < warmups; i++) {
      sink = work.get();
    }
    double[] millis = new double[runs];
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      sink = work.get();
      millis[i] = (System.nanoTime() - start) / 1e6;
    }
    if (sink == null) {
      throw new IllegalStateException("benchmark produced nothing");
    }
    return median(millis);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  private void printBoundaryRecall() {
    int[] tolerances = {4, 7, 14};
    int[] resolutions = {1, 2, 4, 7};
    double[][] versusFull = new double[resolutions.length][tolerances.length];
    double[][] versusObjects = new double[resolutions.length + 1][tolerances.length];
    for (int s = 0; s < scenes; s++) {
      PrunerBenchScenes scene = PrunerBenchScenes.scene(SIDE, 100 + s);
      int[] full = segmenterLabels(scene.image(), 14);
      for (int t = 0; t < tolerances.length; t++) {
        versusObjects[resolutions.length][t] +=
            PrunerBenchBoundaries.recall(scene.objects(), full, SIDE, SIDE, tolerances[t]) / scenes;
      }
      for (int r = 0; r < resolutions.length; r++) {
        int[] low = segmenterLabels(scene.image(), resolutions[r]);
        for (int t = 0; t < tolerances.length; t++) {
          versusFull[r][t] +=
              PrunerBenchBoundaries.recall(full, low, SIDE, SIDE, tolerances[t]) / scenes;
          versusObjects[r][t] +=
              PrunerBenchBoundaries.recall(scene.objects(), low, SIDE, SIDE, tolerances[t])
                  / scenes;
        }
      }
    }
    System.out.printf(
        "%nBoundary recall, mean over %d synthetic %dx%d scenes (N=10, C=5, sigma=0.8),"
            + " tolerance 4 / 7 / 14 px (14 px = one token)%n",
        scenes, SIDE, SIDE);
    System.out.println("px/token  vs full-res SLIC        vs true object edges");
    for (int r = 0; r <= resolutions.length; r++) {
      double[] full = r < resolutions.length ? versusFull[r] : new double[] {1, 1, 1};
      double[] objects = versusObjects[r];
      System.out.printf(
          "%-9s %.3f / %.3f / %.3f   %.3f / %.3f / %.3f%n",
          r < resolutions.length ? Integer.toString(resolutions[r]) : "14 (full)",
          full[0],
          full[1],
          full[2],
          objects[0],
          objects[1],
          objects[2]);
    }
  }

  private static int[] segmenterLabels(ImageRgb image, int pixelsPerToken) {
    AltpPruner pruner = altpAt(pixelsPerToken, new ModelGeometry(32, GRID, GRID, 4096, 11008));
    return pruner.segment(image, GRID, GRID).imageLabels();
  }

  /**
   * ALTP at its defaults with SLIC at {@code pixelsPerToken}: through the factory within its cost
   * cap, built directly past it (full resolution, for comparison only; never served).
   */
  private static AltpPruner altpAt(int pixelsPerToken, ModelGeometry geometry) {
    long labelPixels = (long) geometry.visualTokens() * pixelsPerToken * pixelsPerToken;
    if (labelPixels <= AltpPrunerFactory.MAX_LABEL_PIXELS) {
      return new AltpPrunerFactory()
          .create(Map.of("segment_pixels_per_token", Integer.toString(pixelsPerToken)), geometry);
    }
    return new AltpPruner(
        SingleLayerPrunerFactory.DEFAULT_LAYER - 1,
        new KeepBudget(0.5, null),
        geometry.visualTokens(),
        new SuperpixelSegmenter(10, 5.0, 0.8, pixelsPerToken),
        Allocation.DENSITY,
        1.0,
        1,
        AltpOptions.TUNED,
        TokenPruner.Positions.KEEP);
  }

  private void measurePrefill(double altpMillis) {
    GroundedCaptioner captioner;
    try {
      captioner = model == null ? GcgModels.loadBundled(device) : GcgModels.load(model, device);
    } catch (RuntimeException e) {
      System.out.println("\nprefill: model not available (" + e.getMessage() + ")");
      return;
    }
    try (captioner) {
      ModelGeometry geometry = captioner.info().geometry();
      int side = captioner.info().imageSize();
      ImageRgb input = PrunerBenchScenes.scene(side, 7).image();
      TokenPruner none = new NoPruner().create(Map.of(), geometry);
      double[] prefill = new double[iterations];
      for (int i = 0; i < warmup + iterations; i++) {
        PrefillReport report = prefill(captioner, input, none);
        if (i >= warmup) {
          prefill[i - warmup] = report.prefillMillis();
        }
      }
      double[] altpInModel = new double[iterations];
      double[] altpPrefill = new double[iterations];
      for (int i = 0; i < warmup + iterations; i++) {
        TokenPruner altp = new AltpPrunerFactory().create(Map.of(), geometry);
        PrefillReport report = prefill(captioner, input, altp);
        if (i >= warmup) {
          altpInModel[i - warmup] = report.prunerMillis();
          altpPrefill[i - warmup] = report.prefillMillis();
        }
      }
      double unpruned = median(prefill);
      double selection = median(altpInModel);
      System.out.printf(
          "%nModel %s (%d layers, %dx%d tokens, d=%d), device %s, median of %d after %d warm-up:%n",
          captioner.info().name(),
          geometry.layers(),
          geometry.gridHeight(),
          geometry.gridWidth(),
          geometry.hiddenSize(),
          device,
          iterations,
          warmup);
      System.out.printf("unpruned prefill           %8.2f ms%n", unpruned);
      System.out.printf(
          "ALTP prefill (keep 0.5)    %8.2f ms, of which pruner %.2f ms%n",
          median(altpPrefill), selection);
      System.out.printf(
          "ALTP selection / unpruned prefill: %.1f%% (in model), %.1f%% (standalone 336x336)%n",
          100 * selection / unpruned, 100 * altpMillis / unpruned);
    }
  }

  private static PrefillReport prefill(
      GroundedCaptioner captioner, ImageRgb image, TokenPruner pruner) {
    return captioner
        .generate(
            new GenerationRequest(
                image,
                captioner.info().defaultPrompt(),
                pruner,
                GenerationOptions.greedy(1),
                () -> false),
            GenerationListener.IGNORE)
        .prefill();
  }
}
