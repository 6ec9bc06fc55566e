package io.gcgserve.eval.viz;

import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.ModelLoadException;
import io.gcgserve.model.djl.GcgModels;
import io.gcgserve.model.djl.Images;
import io.gcgserve.model.image.ImageFiles;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.KeepSet;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.builtin.BuiltInPruners;
import io.gcgserve.pruners.ranking.KeepBudget;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gcg-prune-viz}: runs one prefill with a chosen pruner and draws what it kept (and ALTP's
 * superpixels) over the image, one panel per pruning layer.
 */
@Command(
    name = "gcg-prune-viz",
    mixinStandardHelpOptions = true,
    description =
        "Draw the visual tokens a pruner keeps (and ALTP's superpixel borders) over an image.")
public final class PruneVizCommand implements Callable<Integer> {

  @Option(names = "--image", required = true, description = "PNG or JPEG to caption.")
  private Path image;

  @Option(
      names = "--pruner",
      required = true,
      description = "Pruner name: none, fastv, pdrop, altp.")
  private String pruner;

  @Option(
      names = "--param",
      description = "Pruner parameter as name=value; repeatable, e.g. --param n_superpixels=7.")
  private Map<String, String> parameters = new LinkedHashMap<>();

  @Option(
      names = "--keep-ratio",
      description =
          "Fraction of visual tokens to keep: keep_ratio for every built-in (pdrop's final"
              + " budget), keep_tokens = round(ratio x N_v) for a plugin with only a count.")
  private @Nullable Double keepRatio;

  @Option(names = "--model", description = "Model directory; the bundled checkpoint by default.")
  private @Nullable Path model;

  @Option(names = "--device", defaultValue = "cpu", description = "auto, cpu or gpu (default cpu).")
  private String device = "cpu";

  @Option(
      names = "--without-model",
      description =
          "Do not run the model: score tokens by local contrast (a stand-in for attention) on a"
              + " 24x24 grid over a 336x336 resize. For looking at superpixels only.")
  private boolean withoutModel;

  @Option(names = "--out", required = true, description = "Output PNG.")
  private Path out;

  /** Parses arguments and runs. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new PruneVizCommand()).execute(args));
  }

  @Override
  public Integer call() {
    try {
      return draw();
    } catch (ModelLoadException e) {
      System.err.println(
          "cannot load the model: "
              + e.getMessage()
              + "\n(--without-model draws superpixels only)");
      return 2;
    } catch (IOException e) {
      System.err.println("gcg-prune-viz: " + e.getMessage());
      return 2;
    }
  }

  private int draw() throws IOException {
    ImageRgb input = ImageFiles.read(image);
    PrunerFactory factory = BuiltInPruners.registry().require(pruner);
    List<PruneStep> steps;
    String title;
    ImageRgb shown;
    if (withoutModel) {
      ModelGeometry geometry = new ModelGeometry(32, 24, 24, 4096, 11008);
      RecordingPruner recorder =
          new RecordingPruner(factory.create(parametersFor(factory, geometry), geometry));
      shown = Images.resize(input, 336, 336);
      runWithoutModel(recorder, shown);
      steps = recorder.steps();
      title = "input (no model: contrast scores)";
    } else {
      try (GroundedCaptioner captioner =
          model == null ? GcgModels.loadBundled(device) : GcgModels.load(model, device)) {
        ModelGeometry geometry = captioner.info().geometry();
        RecordingPruner recorder =
            new RecordingPruner(factory.create(parametersFor(factory, geometry), geometry));
        GenerationResult result =
            captioner.generate(
                new GenerationRequest(
                    input,
                    captioner.info().defaultPrompt(),
                    recorder,
                    GenerationOptions.greedy(1),
                    () -> false),
                GenerationListener.IGNORE);
        steps = recorder.steps();
        int side = captioner.info().imageSize();
        shown = steps.isEmpty() ? Images.resize(input, side, side) : steps.get(0).image();
        title =
            String.format(
                "input (%s, FLOPs %.0f%%)",
                captioner.info().name(), 100 * result.prefill().flopsRatio());
      }
    }
    if (steps.isEmpty()) {
      System.err.println("pruner '" + pruner + "' pruned nothing; drawing the input only");
    }
    BufferedImage picture = new PruneVisualizer(336).render(shown, steps, title);
    ImageFiles.writePng(picture, out);
    System.out.println("wrote " + out + " (" + steps.size() + " pruning step(s))");
    return 0;
  }

  private Map<String, String> parametersFor(PrunerFactory factory, ModelGeometry geometry) {
    Map<String, String> merged = new LinkedHashMap<>(parameters);
    if (keepRatio != null) {
      List<String> names = new ArrayList<>();
      for (ParameterSpec spec : factory.parameters()) {
        names.add(spec.name());
      }
      if (names.contains(KeepBudget.KEEP_RATIO)) {
        merged.put(KeepBudget.KEEP_RATIO, Double.toString(keepRatio));
      } else if (names.contains(KeepBudget.KEEP_TOKENS)) {
        long tokens = Math.max(1, Math.round(keepRatio * geometry.visualTokens()));
        merged.put(KeepBudget.KEEP_TOKENS, Long.toString(tokens));
      } else {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "pruner '" + pruner + "' takes no keep ratio");
      }
    }
    return merged;
  }

  /**
   * Calls the pruner at each of its layers with a view over {@code image}, scoring tokens by the
   * standard deviation of their patch (so the picture is stable, not meant to mimic attention).
   */
  static void runWithoutModel(TokenPruner pruner, ImageRgb image) {
    int grid = 24;
    float[] contrast = patchContrast(image, grid);
    int[] live = new int[grid * grid];
    for (int i = 0; i < live.length; i++) {
      live[i] = i;
    }
    for (int layer : pruner.pruneAfterLayers()) {
      int[] current = live;
      float[] scores = new float[current.length];
      for (int i = 0; i < current.length; i++) {
        scores[i] = contrast[current[i]];
      }
      KeepSet kept = pruner.prune(new PruningSnapshot(layer, grid, grid, current, scores, image));
      live = kept.keptVisualTokens();
    }
  }

  static float[] patchContrast(ImageRgb image, int grid) {
    float[] contrast = new float[grid * grid];
    for (int row = 0; row < grid; row++) {
      for (int column = 0; column < grid; column++) {
        double sum = 0;
        double sumSquares = 0;
        int count = 0;
        for (int y = row * image.height() / grid; y < (row + 1) * image.height() / grid; y++) {
          for (int x = column * image.width() / grid;
              x < (column + 1) * image.width() / grid;
              x++) {
            int rgb = image.at(x, y);
            double luminance =
                0.299 * ((rgb >> 16) & 0xFF) + 0.587 * ((rgb >> 8) & 0xFF) + 0.114 * (rgb & 0xFF);
            sum += luminance;
            sumSquares += luminance * luminance;
            count++;
          }
        }
        double mean = sum / Math.max(1, count);
        contrast[row * grid + column] =
            (float) Math.sqrt(Math.max(0, sumSquares / Math.max(1, count) - mean * mean));
      }
    }
    return contrast;
  }
}
