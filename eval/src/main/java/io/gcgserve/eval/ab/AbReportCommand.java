package io.gcgserve.eval.ab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gcg-ab report}: compares the arms of one experiment in a server access log and writes
 * {@code report.md}, {@code report.json} and PNG plots. Exit 0 when written (a sample-ratio
 * mismatch is warned about, not an error), 2 when the log cannot be read or the experiment or
 * control is not in it.
 */
@Command(
    name = "gcg-ab report",
    mixinStandardHelpOptions = true,
    description =
        "Compare an experiment's arms from a gcg-serve access log: per-arm latency, errors,"
            + " tokens/s, FLOPs ratio, differences vs the control with bootstrap CIs, a"
            + " sample-ratio-mismatch test, and with --ground-truth, quality per arm.")
public final class AbReportCommand implements Callable<Integer> {

  @Option(names = "--log", required = true, description = "The access log (JSON lines).")
  private Path log;

  @Option(
      names = "--experiment",
      description = "The experiment to report; by default the log's only one.")
  private @Nullable String experiment;

  @Option(
      names = "--control",
      description =
          "The control arm; by default the experiment's first arm in the experiments file.")
  private @Nullable String control;

  @Option(names = "--out", description = "Output directory (default runs/ab/<experiment>).")
  private @Nullable Path out;

  @Option(
      names = "--ground-truth",
      description =
          "A GranDf-format directory (bin/gcg-data --out DIR) to score each arm's captions"
              + " against; needs a log written with --access-log-captions.")
  private @Nullable Path groundTruth;

  @Option(
      names = "--bootstrap",
      defaultValue = "2000",
      description = "Bootstrap resamples per arm (default ${DEFAULT-VALUE}, at least 100).")
  private int resamples = 2000;

  @Option(names = "--seed", defaultValue = "1", description = "Bootstrap seed (default 1).")
  private long seed = 1;

  private final PrintStream err;

  /** A command that reports progress and warnings on {@code System.err}. */
  public AbReportCommand() {
    this(System.err);
  }

  /** A command that reports progress and warnings on {@code err}. */
  public AbReportCommand(PrintStream err) {
    this.err = err;
  }

  /** Parses arguments and runs. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new AbReportCommand()).execute(args));
  }

  @Override
  public Integer call() {
    try {
      run();
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      err.println("gcg-ab report: " + e.getMessage());
      return 2;
    }
  }

  private void run() throws IOException {
    err.println("gcg-ab report: reading " + log);
    LogReading reading =
        AccessLogReader.read(
            log, lines -> err.printf(Locale.ROOT, "gcg-ab report: %,d lines read%n", lines));
    err.printf(
        Locale.ROOT,
        "gcg-ab report: %d lines, %d entries, %d malformed%s%n",
        reading.lines(),
        reading.entries().size(),
        reading.malformed(),
        reading.truncatedLastLine() ? ", last line incomplete (skipped)" : "");
    reading
        .malformedExamples()
        .forEach((line, why) -> err.println("gcg-ab report: line " + line + ": " + why));
    AbReport report =
        AbAnalysis.analyse(
            reading,
            experiment,
            control,
            resamples,
            seed,
            groundTruth,
            step -> err.println("gcg-ab report: " + step));
    if (report.sampleRatio().mismatch()) {
      err.println();
      err.println("!!! " + report.sampleRatio().warning());
      err.println();
    }
    Path directory = out != null ? out : Path.of("runs", "ab", report.log().experiment());
    Files.createDirectories(directory);
    Files.writeString(
        directory.resolve("report.md"), AbMarkdown.render(report), StandardCharsets.UTF_8);
    Files.writeString(
        directory.resolve("report.json"), AbJson.render(report), StandardCharsets.UTF_8);
    AbCharts.write(report, directory);
    for (Comparison comparison : report.comparisons()) {
      err.println("  " + comparison.verdict());
    }
    AbReport.Quality quality = report.quality();
    if (quality != null) {
      if (quality.note() != null) {
        err.println("gcg-ab report: " + quality.note());
      }
      for (Comparison comparison : quality.comparisons()) {
        err.println("  " + comparison.verdict());
      }
    }
    err.println("gcg-ab report: wrote " + directory.resolve("report.md"));
  }
}
