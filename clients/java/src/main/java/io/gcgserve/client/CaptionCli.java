package io.gcgserve.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.gcgserve.proto.v1.Budget;
import io.gcgserve.proto.v1.BudgetOutcome;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.Finished;
import io.gcgserve.proto.v1.GenerationOptions;
import io.gcgserve.proto.v1.GroundedPhrase;
import io.gcgserve.proto.v1.ListPrunersResponse;
import io.gcgserve.proto.v1.MaskFormat;
import io.gcgserve.proto.v1.ParameterDescription;
import io.gcgserve.proto.v1.PrunerDescription;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.proto.v1.Started;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gcg-caption}: captions one image against a gcg-serve server, printing the caption as it
 * streams (or one JSON object per event), a table of grounded phrases, and optionally a PNG with
 * the masks drawn over the image.
 *
 * <p>Exit codes: 0 success; 1 the server returned a non-retryable error; 2 bad usage; 3 a local
 * file could not be read or written; 4 a retryable error (UNAVAILABLE, RESOURCE_EXHAUSTED,
 * DEADLINE_EXCEEDED).
 */
@Command(
    name = "gcg-caption",
    mixinStandardHelpOptions = true,
    version = "gcg-caption 0.1.0",
    sortOptions = false,
    description = "Captions an image with grounded phrases and masks from a gcg-serve server.")
public final class CaptionCli implements Callable<Integer> {

  /** The server returned a non-retryable error. */
  static final int EXIT_RPC_ERROR = 1;

  /** Bad flags. */
  static final int EXIT_USAGE = 2;

  /** A local file could not be read or written. */
  static final int EXIT_IO = 3;

  /** A retryable error: the server is unavailable, overloaded, or the deadline passed. */
  static final int EXIT_RETRYABLE = 4;

  private static final String KEEP_RATIO = "keep_ratio";

  /** The oneof of {@code PrunerSpec} whose fields are named after built-in pruners. */
  private static final String TYPED_PARAMS = "typed_params";

  @Option(names = "--target", description = "Server host:port. Default: ${DEFAULT-VALUE}.")
  String target = "localhost:50051";

  @Option(names = "--image", paramLabel = "FILE", description = "PNG or JPEG image to caption.")
  @Nullable Path image;

  @Option(names = "--prompt", description = "Prompt; default: the model's GCG prompt.")
  String prompt = "";

  @Option(names = "--pruner", description = "Pruner name (see --list-pruners). Default: none.")
  String pruner = "";

  @Option(
      names = "--keep-ratio",
      paramLabel = "R",
      description =
          "Fraction of the visual tokens to keep: the typed keep_ratio of a built-in pruner"
              + " (fastv, pdrop, altp), else --param keep_ratio=R (plugins such as grid).")
  @Nullable Double keepRatio;

  @Option(
      names = "--param",
      paramLabel = "KEY=VALUE",
      description = "Pruner parameter; repeatable.")
  Map<String, String> params = new LinkedHashMap<>();

  @Option(
      names = "--experiment",
      description = "A/B experiment whose arm picks the pruner (instead of --pruner).")
  String experiment = "";

  @Option(names = "--subject-key", description = "Key hashed to the experiment's arm (sticky).")
  String subjectKey = "";

  @Option(
      names = "--max-flops-ratio",
      paramLabel = "R",
      description = "Budget: prefill FLOPs over unpruned, in (0, 1]; the server picks the keep.")
  @Nullable Double maxFlopsRatio;

  @Option(
      names = "--max-visual-tokens",
      paramLabel = "N",
      description = "Budget: visual tokens kept at the last layer.")
  @Nullable Integer maxVisualTokens;

  @Option(
      names = "--max-ttft-ms",
      paramLabel = "MS",
      description = "Budget: time to first token; the server prunes as hard as it must.")
  @Nullable Double maxTtftMs;

  @Option(
      names = "--on-miss",
      paramLabel = "POLICY",
      description = "When no setting fits the budget: best-effort (default) or reject.")
  String onMiss = "best-effort";

  @Option(names = "--max-new-tokens", description = "Token limit (0 = server default).")
  int maxNewTokens;

  @Option(names = "--temperature", description = "0 = greedy (default).")
  double temperature;

  @Option(names = "--seed", description = "Sampling seed.")
  long seed;

  @Option(names = "--deadline-ms", description = "Deadline for the whole call, in milliseconds.")
  @Nullable Long deadlineMillis;

  @Option(names = "--json", description = "Print one JSON object per event instead of text.")
  boolean json;

  @Option(
      names = "--overlay",
      paramLabel = "OUT.png",
      description = "Write the image with the masks and labels drawn over it.")
  @Nullable Path overlay;

  @Option(names = "--list-pruners", description = "List the server's pruners and exit.")
  boolean listPruners;

  @Mixin SecurityOptions security = new SecurityOptions();

  private final PrintStream out;
  private final PrintStream err;

  private CaptionCli(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    System.exit(run(args, out, System.err));
  }

  /** Runs with the given streams and returns the exit code; lets tests capture output. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine commandLine = new CommandLine(new CaptionCli(out, err));
    commandLine.setOut(new java.io.PrintWriter(out, true));
    commandLine.setErr(new java.io.PrintWriter(err, true));
    return commandLine.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    Duration deadline = deadlineMillis == null ? null : Duration.ofMillis(deadlineMillis);
    ChannelSecurity channelSecurity;
    try {
      channelSecurity = security.toSecurity();
    } catch (IllegalArgumentException e) {
      err.println("gcg-caption: " + e.getMessage());
      return EXIT_USAGE;
    } catch (IOException e) {
      err.println("gcg-caption: cannot read the token: " + e.getMessage());
      return EXIT_IO;
    }
    GcgClient connected;
    try {
      connected = GcgClient.connect(target, channelSecurity);
    } catch (IOException e) {
      err.println("gcg-caption: cannot read the TLS files: " + e.getMessage());
      return EXIT_IO;
    }
    try (GcgClient client = connected) {
      if (listPruners) {
        printPruners(client.listPruners(deadline));
        return 0;
      }
      if (image == null) {
        err.println("gcg-caption: --image FILE is required (or --list-pruners)");
        return EXIT_USAGE;
      }
      try {
        budget();
      } catch (IllegalArgumentException e) {
        err.println("gcg-caption: " + e.getMessage());
        return EXIT_USAGE;
      }
      if (keepRatio != null && params.containsKey(KEEP_RATIO)) {
        err.println(
            "gcg-caption: --keep-ratio and --param keep_ratio=... set the same parameter; give"
                + " one of them");
        return EXIT_USAGE;
      }
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(image);
      } catch (IOException e) {
        err.println("gcg-caption: cannot read image " + image + ": " + e.getMessage());
        return EXIT_IO;
      }
      List<GroundedPhrase> phrases = new ArrayList<>();
      try (CaptionStream events = client.caption(request(bytes), deadline)) {
        while (events.hasNext()) {
          CaptionEvent event = events.next();
          if (event.hasGroundedPhrase()) {
            phrases.add(event.getGroundedPhrase());
          }
          if (json) {
            out.println(JsonFormat.printer().omittingInsignificantWhitespace().print(event));
          } else {
            printHuman(event, phrases);
          }
        }
      }
      if (overlay != null) {
        return writeOverlay(bytes, phrases, overlay);
      }
      return 0;
    } catch (StatusRuntimeException e) {
      Status status = e.getStatus();
      if (!json) {
        out.println();
      }
      err.println(
          "gcg-caption: "
              + status.getCode()
              + (status.getDescription() == null ? "" : ": " + status.getDescription()));
      return switch (status.getCode()) {
        case UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED -> EXIT_RETRYABLE;
        default -> EXIT_RPC_ERROR;
      };
    }
  }

  CaptionRequest request(byte[] bytes) {
    CaptionRequest.Builder request =
        CaptionRequest.newBuilder()
            .setImage(ByteString.copyFrom(bytes))
            .setPrompt(prompt)
            .setPruner(prunerSpec(pruner, keepRatio, params))
            .setExperiment(experiment)
            .setSubjectKey(subjectKey)
            .setGeneration(
                GenerationOptions.newBuilder()
                    .setMaxNewTokens(maxNewTokens)
                    .setTemperature(temperature)
                    .setSeed(seed))
            .setMaskFormat(MaskFormat.MASK_FORMAT_COCO_RLE);
    Budget budget = budget();
    if (budget != null) {
      request.setBudget(budget);
    }
    return request.build();
  }

  /**
   * The budget flags as a {@link Budget}; null without one.
   *
   * @throws IllegalArgumentException for two limits or an unknown --on-miss
   */
  @Nullable Budget budget() {
    Budget.Builder budget = Budget.newBuilder();
    int limits = 0;
    if (maxFlopsRatio != null) {
      budget.setMaxFlopsRatio(maxFlopsRatio);
      limits++;
    }
    if (maxVisualTokens != null) {
      budget.setMaxVisualTokens(maxVisualTokens);
      limits++;
    }
    if (maxTtftMs != null) {
      budget.setMaxTtftMs(maxTtftMs);
      limits++;
    }
    if (limits > 1) {
      throw new IllegalArgumentException(
          "give one of --max-flops-ratio, --max-visual-tokens and --max-ttft-ms");
    }
    switch (onMiss) {
      case "best-effort" -> budget.setOnMiss(Budget.OnMiss.ON_MISS_BEST_EFFORT);
      case "reject" -> budget.setOnMiss(Budget.OnMiss.ON_MISS_REJECT);
      default ->
          throw new IllegalArgumentException(
              "--on-miss must be best-effort or reject, got '" + onMiss + "'");
    }
    return limits == 0 ? null : budget.build();
  }

  /**
   * The pruner part of the request: {@code --param} entries as textual parameters, and {@code
   * --keep-ratio} as the typed {@code keep_ratio} field of the pruner's typed message when the
   * proto has one (every built-in: fastv, pdrop, altp), else as a textual parameter (plugins). Read
   * from the proto descriptors, as the server does, so no pruner is special-cased here.
   */
  static PrunerSpec prunerSpec(
      String pruner, @Nullable Double keepRatio, Map<String, String> params) {
    PrunerSpec.Builder spec = PrunerSpec.newBuilder().setName(pruner).putAllParams(params);
    if (keepRatio == null) {
      return spec.build();
    }
    FieldDescriptor typedMessage = typedParametersField(pruner);
    FieldDescriptor typedRatio =
        typedMessage == null ? null : typedMessage.getMessageType().findFieldByName(KEEP_RATIO);
    if (typedMessage == null || typedRatio == null) {
      return spec.putParams(KEEP_RATIO, Double.toString(keepRatio)).build();
    }
    spec.getFieldBuilder(typedMessage).setField(typedRatio, keepRatio);
    return spec.build();
  }

  /** The {@code typed_params} field named after {@code pruner}, or null for a plugin. */
  private static @Nullable FieldDescriptor typedParametersField(String pruner) {
    FieldDescriptor field =
        PrunerSpec.getDescriptor().findFieldByName(pruner.trim().toLowerCase(Locale.ROOT));
    OneofDescriptor oneof = field == null ? null : field.getContainingOneof();
    return oneof != null && oneof.getName().equals(TYPED_PARAMS) ? field : null;
  }

  private void printHuman(CaptionEvent event, List<GroundedPhrase> phrases) {
    switch (event.getEventCase()) {
      case STARTED -> {
        Started started = event.getStarted();
        err.printf(
            Locale.ROOT,
            "[pruner %s: %d/%d visual tokens kept, FLOPs ratio %.3f]%n",
            started.getPruner(),
            started.getVisualTokensKept(),
            started.getVisualTokensTotal(),
            started.getFlopsRatio());
        if (!started.getArm().isEmpty() && !started.getExperiment().isEmpty()) {
          err.printf(
              Locale.ROOT,
              "[experiment %s: arm %s, %s]%n",
              started.getExperiment(),
              started.getArm(),
              started.getAssignment());
        }
        if (started.hasBudget()) {
          err.printf(
              Locale.ROOT,
              "[budget %s: %s; predicted ttft %.0f ms]%n",
              started.getBudget().getOutcome(),
              started.getBudget().getReason(),
              started.getBudget().getPredictedTtftMs());
        }
      }
      case TEXT_DELTA -> {
        out.print(event.getTextDelta().getText());
        out.flush();
      }
      case GROUNDED_PHRASE -> {}
      case FINISHED -> {
        out.println();
        printPhraseTable(phrases);
        Finished finished = event.getFinished();
        err.printf(
            Locale.ROOT,
            "[%s, %d tokens; ttft %.0f ms, prefill %.0f ms, decode %.0f ms, total %.0f ms,"
                + " queued %.0f ms]%n",
            finished.getFinishReason(),
            finished.getGeneratedTokens(),
            finished.getTimings().getTtftMs(),
            finished.getTimings().getPrefillMs(),
            finished.getTimings().getDecodeMs(),
            finished.getTimings().getTotalMs(),
            finished.getTimings().getQueueWaitMs());
        if (finished.getBudgetOutcome() != BudgetOutcome.BUDGET_OUTCOME_UNSPECIFIED) {
          err.println("[budget " + finished.getBudgetOutcome() + "]");
        }
      }
      case EVENT_NOT_SET -> {}
    }
  }

  private void printPhraseTable(List<GroundedPhrase> phrases) {
    if (phrases.isEmpty()) {
      out.println("(no grounded phrases)");
      return;
    }
    // whole lines through println: printf writes piecewise, and stderr could land mid-line
    out.println(
        String.format(
            Locale.ROOT,
            "%-3s %-28s %-11s %-22s %8s %6s",
            "#",
            "phrase",
            "chars",
            "bbox x,y,w,h",
            "area",
            "score"));
    for (int i = 0; i < phrases.size(); i++) {
      GroundedPhrase phrase = phrases.get(i);
      long area = ProtoMasks.rle(phrase.getMask()).area();
      out.println(
          String.format(
              Locale.ROOT,
              "%-3d %-28s %-11s %-22s %8d %6.3f",
              i,
              phrase.getPhrase(),
              phrase.getCharStart() + "-" + phrase.getCharEnd(),
              String.join(
                  ",", phrase.getMask().getBboxList().stream().map(String::valueOf).toList()),
              area,
              phrase.getMask().getScore()));
    }
  }

  private int writeOverlay(byte[] bytes, List<GroundedPhrase> phrases, Path target) {
    try {
      BufferedImage source = ImageIO.read(new java.io.ByteArrayInputStream(bytes));
      if (source == null) {
        err.println("gcg-caption: cannot decode " + image + " locally to draw the overlay");
        return EXIT_IO;
      }
      ImageIO.write(OverlayRenderer.render(source, phrases), "png", target.toFile());
      if (!json) {
        err.println("[overlay written to " + target + "]");
      }
      return 0;
    } catch (IOException e) {
      err.println("gcg-caption: cannot write overlay " + target + ": " + e.getMessage());
      return EXIT_IO;
    }
  }

  private void printPruners(ListPrunersResponse response) throws InvalidProtocolBufferException {
    if (json) {
      out.println(JsonFormat.printer().omittingInsignificantWhitespace().print(response));
      return;
    }
    for (PrunerDescription pruner : response.getPrunersList()) {
      out.println(
          pruner.getName()
              + (pruner.getBuiltIn() ? "" : " (plugin)")
              + ": "
              + pruner.getDescription());
      for (ParameterDescription parameter : pruner.getParametersList()) {
        out.println(
            "    "
                + parameter.getName()
                + " ("
                + parameter.getAllowed()
                + (parameter.getDefaultValue().isEmpty()
                    ? ""
                    : ", default " + parameter.getDefaultValue())
                + "): "
                + parameter.getDescription());
      }
    }
  }
}
