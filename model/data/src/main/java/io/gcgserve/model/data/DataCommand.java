package io.gcgserve.model.data;

import io.gcgserve.model.image.ImageFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/gcg-data}: writes a split of synthetic grounded scenes as a GranDf-style directory
 * (images, {@code annotations.json}) plus {@code contact-sheet.png} showing the first scenes with
 * their masks, so that the data the model trains and is evaluated on can be inspected and fed to
 * other tools.
 */
@Command(
    name = "gcg-data",
    mixinStandardHelpOptions = true,
    description = "Writes synthetic grounded scenes in GranDf form (images + annotations.json).")
public final class DataCommand implements Callable<Integer> {

  /** Default generator seed; the same default as training's {@code --data-seed}. */
  public static final long DEFAULT_SEED = 2024;

  @Option(
      names = "--split",
      defaultValue = "val",
      description = "train, val or test (default: ${DEFAULT-VALUE}).")
  private String split;

  @Option(names = "--count", defaultValue = "500", description = "Scenes to write.")
  private int count;

  @Option(names = "--start", defaultValue = "0", description = "Index of the first scene.")
  private long start;

  @Option(names = "--seed", defaultValue = "2024", description = "Generator base seed.")
  private long seed;

  @Option(names = "--size", defaultValue = "336", description = "Image side in pixels.")
  private int size;

  @Option(names = "--out", required = true, description = "Output directory.")
  private Path out;

  @Option(
      names = "--sheet",
      defaultValue = "8",
      description = "Scenes on the contact sheet (0 for none).")
  private int sheet;

  private final PrintStream progress;

  /** A command that reports progress on {@code progress}. */
  public DataCommand(PrintStream progress) {
    this.progress = progress;
  }

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new DataCommand(System.err)).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Split parsed;
    try {
      parsed = Split.valueOf(split.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--split must be train, val or test, got '" + split + "'");
    }
    if (count < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--count must be >= 1");
    }
    SceneGenerator generator = new SceneGenerator(seed, size);
    List<Scene> shown = new ArrayList<>();
    long began = System.nanoTime();
    try (GranDfWriter writer = new GranDfWriter(out)) {
      for (int i = 0; i < count; i++) {
        long index = start + i;
        Scene scene = generator.generate(parsed, index);
        writer.add(GranDfWriter.fileName(parsed, index), scene);
        if (shown.size() < sheet) {
          shown.add(scene);
        }
        if ((i + 1) % 50 == 0 || i + 1 == count) {
          progress.printf(
              Locale.ROOT,
              "\rgcg-data: %d/%d scenes (%.1f s)",
              i + 1,
              count,
              (System.nanoTime() - began) / 1e9);
        }
      }
    }
    progress.println();
    if (!shown.isEmpty()) {
      ImageFiles.writePng(ContactSheet.render(shown, 2), out.resolve("contact-sheet.png"));
    }
    progress.printf(
        Locale.ROOT,
        "gcg-data: wrote %d %s scenes (seed %d) to %s%n",
        count,
        parsed.name().toLowerCase(Locale.ROOT),
        seed,
        out);
    return 0;
  }
}
