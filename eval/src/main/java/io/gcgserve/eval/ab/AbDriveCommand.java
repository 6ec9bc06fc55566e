package io.gcgserve.eval.ab;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.gcgserve.model.data.GranDfDataset;
import io.gcgserve.model.data.GranDfRecord;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/gcg-ab drive}: traffic for an A/B experiment. Sends {@code --requests} Caption
 * requests naming {@code --experiment} to a running server, each with an image of a GranDf-format
 * split (the file's exact bytes, so a report can match images by SHA-256) and a subject key drawn
 * from a population of {@code --subjects}, over {@code --concurrency} closed-loop streams on one
 * channel. Prints progress to stderr and, at the end, a per-arm tally to stdout (see {@link
 * AbDriveSummary}). Exits 0 when at least one request succeeded, 1 when every request failed, 2 on
 * a usage error. The request sequence is fixed by {@code --seed} (see {@link AbDrivePlan}).
 */
@NullMarked
@Command(
    name = "gcg-ab drive",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Drive Caption traffic into an A/B experiment and tally the arms.")
public final class AbDriveCommand implements Callable<Integer> {

  /** Exit code when every request failed. */
  public static final int ALL_FAILED = 1;

  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

  @Option(names = "--target", required = true, description = "Server address, HOST:PORT.")
  String target = "";

  @Option(
      names = "--images",
      required = true,
      description = "GranDf-format split directory (bin/gcg-data --split val --out DIR).")
  @Nullable Path images;

  @Option(names = "--experiment", required = true, description = "Experiment every request names.")
  String experiment = "";

  @Option(names = "--requests", description = "Requests to send. Default: ${DEFAULT-VALUE}.")
  int requests = 300;

  @Option(
      names = "--concurrency",
      description = "Closed-loop streams over one channel. Default: ${DEFAULT-VALUE}.")
  int concurrency = 4;

  @Option(
      names = "--subjects",
      description =
          "Subject keys subject-0..N-1 drawn at random; 0 sends no key (random arms). Default:"
              + " ${DEFAULT-VALUE}.")
  int subjects = 100;

  @Option(names = "--seed", description = "Seed of the subject draws. Default: ${DEFAULT-VALUE}.")
  long seed = 1;

  @Option(
      names = "--deadline-seconds",
      description = "Deadline of each request. Default: ${DEFAULT-VALUE}.")
  long deadlineSeconds = 60;

  @Option(
      names = "--max-new-tokens",
      description = "Token limit per caption; 0 = the server's default. Default: ${DEFAULT-VALUE}.")
  int maxNewTokens = 0;

  private final PrintStream out;
  private final PrintStream err;

  /** A command printing the tally to {@code out} and progress and problems to {@code err}. */
  public AbDriveCommand(PrintStream out, PrintStream err) {
    this.out = requireNonNull(out, "out is null");
    this.err = requireNonNull(err, "err is null");
  }

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new AbDriveCommand(System.out, System.err)).execute(args));
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    try {
      validate();
    } catch (IllegalArgumentException e) {
      err.println("gcg-ab drive: " + e.getMessage());
      return CommandLine.ExitCode.USAGE;
    }
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    try {
      AbDriveSummary summary = drive(channel);
      return summary.allFailed() ? ALL_FAILED : CommandLine.ExitCode.OK;
    } catch (IOException e) {
      err.println("gcg-ab drive: cannot read --images: " + e.getMessage());
      return CommandLine.ExitCode.USAGE;
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Drives the experiment over {@code channel} with the parsed options (the library form of the
   * command): reads the images, sends every request, prints the tally and returns it. When every
   * request failed, says so on stderr with the first failure's status.
   *
   * @throws IOException when the image split cannot be read
   * @throws IllegalArgumentException when an option is out of range
   */
  public AbDriveSummary drive(Channel channel) throws IOException, InterruptedException {
    validate();
    List<ByteString> files = readImages(requireNonNull(images, "--images is required"));
    AbDrivePlan plan = AbDrivePlan.create(requests, files.size(), subjects, seed);
    err.printf(
        "drive: %d images from %s, %d subjects, concurrency %d, seed %d%n",
        files.size(), images, subjects, concurrency, seed);
    AbDriveRunner runner =
        new AbDriveRunner(
            channel, files, experiment, maxNewTokens, deadlineSeconds, err, PROGRESS_EVERY);
    AbDriveRunner.Run run = runner.run(plan, concurrency);
    AbDriveSummary summary = AbDriveSummary.of(run.results(), run.wallNanos());
    summary.print(out, experiment);
    if (summary.allFailed()) {
      err.println("gcg-ab drive: every request failed; the first with " + summary.firstFailure());
    }
    return summary;
  }

  /** Checks every option's range. */
  void validate() {
    requireAtLeast("--requests", requests, 1);
    requireAtLeast("--concurrency", concurrency, 1);
    requireAtLeast("--subjects", subjects, 0);
    requireAtLeast("--max-new-tokens", maxNewTokens, 0);
    if (deadlineSeconds < 1) {
      throw new IllegalArgumentException(
          "--deadline-seconds must be at least 1, got " + deadlineSeconds);
    }
    if (experiment.isBlank()) {
      throw new IllegalArgumentException("--experiment must not be empty");
    }
    int colon = target.lastIndexOf(':');
    int port = -1;
    if (colon > 0) {
      try {
        port = Integer.parseInt(target.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("--target must be HOST:PORT, got '" + target + "'");
    }
  }

  private static void requireAtLeast(String option, int value, int minimum) {
    if (value < minimum) {
      throw new IllegalArgumentException(
          option + " must be at least " + minimum + ", got " + value);
    }
  }

  /**
   * The bytes of every image of the GranDf split in {@code directory}, in annotation order. Images
   * are looked up as {@link GranDfDataset} does: under {@code images/} when that folder exists,
   * else beside the annotations, by the record's file name and then by its bare name.
   *
   * @throws IOException when the split holds no image or an image file is missing
   */
  public static List<ByteString> readImages(Path directory) throws IOException {
    GranDfDataset dataset = GranDfDataset.open(directory);
    Path folder = directory.resolve(GranDfDataset.IMAGES_FOLDER);
    Path imageDirectory = Files.isDirectory(folder) ? folder : directory;
    List<ByteString> files = new ArrayList<>();
    for (GranDfRecord record : dataset.records()) {
      Path file = imageDirectory.resolve(record.fileName());
      if (!Files.isRegularFile(file)) {
        file = imageDirectory.resolve(Path.of(record.fileName()).getFileName().toString());
      }
      if (!Files.isRegularFile(file)) {
        throw new IOException("image " + record.fileName() + " not found in " + imageDirectory);
      }
      files.add(ByteString.copyFrom(Files.readAllBytes(file)));
    }
    if (files.isEmpty()) {
      throw new IOException(directory + " lists no images");
    }
    return files;
  }
}
