package io.gcgserve.server;

import io.gcgserve.model.ModelInfo;
import io.gcgserve.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gcg-serve}: parses flags into a {@link ServerConfig}, starts the server, loads and warms
 * the model, and serves until SIGTERM, which drains gracefully.
 */
@Command(
    name = "gcg-serve",
    mixinStandardHelpOptions = true,
    version = "gcg-serve 0.1.0",
    sortOptions = false,
    description = "Serves the grounded captioning model over gRPC (gcg.v1.GroundedCaption).")
public final class Main implements Callable<Integer> {

  /** Exit status when the model or the port cannot be brought up. */
  static final int EXIT_STARTUP_FAILED = 1;

  @Option(
      names = "--port",
      description = "gRPC port (0 = any free port). Default: ${DEFAULT-VALUE}.")
  int port = ServerConfig.DEFAULT_PORT;

  @Option(
      names = "--metrics-port",
      description =
          "Prometheus /metrics port (0 = any free port, -1 = off). Default: ${DEFAULT-VALUE}.")
  int metricsPort = ServerConfig.DEFAULT_METRICS_PORT;

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description =
          "HF-style model directory (config.json, model.safetensors, tokenizer.json)."
              + " Default: the bundled checkpoint.")
  @Nullable Path modelDirectory;

  @Option(names = "--device", description = "auto, cpu or gpu. Default: ${DEFAULT-VALUE}.")
  String device = "auto";

  @Option(
      names = "--workers",
      description =
          "Concurrent generations. Default: half the cores, at least 1 (${DEFAULT-VALUE}).")
  int workers = new ServerConfig().workerThreads();

  @Option(
      names = "--queue-capacity",
      description =
          "Requests that may wait for a worker before RESOURCE_EXHAUSTED. Default: ${DEFAULT-VALUE}.")
  int queueCapacity = new ServerConfig().queueCapacity();

  @Option(
      names = "--max-message-bytes",
      description = "Largest request message. Default: ${DEFAULT-VALUE} (16 MiB).")
  int maxMessageBytes = new ServerConfig().maxMessageBytes();

  @Option(
      names = "--max-image-size",
      paramLabel = "WxH",
      description = "Largest image, checked from its header. Default: ${DEFAULT-VALUE}.")
  String maxImageSize = "4096x4096";

  @Option(
      names = "--drain-grace-seconds",
      description = "On SIGTERM, how long in-flight calls may finish. Default: ${DEFAULT-VALUE}.")
  long drainGraceSeconds = new ServerConfig().drainGrace().toSeconds();

  @Option(
      names = "--default-max-new-tokens",
      description = "max_new_tokens when a request gives 0. Default: ${DEFAULT-VALUE}.")
  int defaultMaxNewTokens = new ServerConfig().defaultMaxNewTokens();

  @Option(
      names = "--max-new-tokens-limit",
      description = "Largest max_new_tokens a request may ask for. Default: ${DEFAULT-VALUE}.")
  int maxNewTokensLimit = new ServerConfig().maxNewTokensLimit();

  @Option(names = "--max-prompt-chars", description = "Longest prompt. Default: ${DEFAULT-VALUE}.")
  int maxPromptChars = new ServerConfig().maxPromptChars();

  @Option(
      names = "--stream-buffer",
      description =
          "Events buffered per call while a client is not reading. Default: ${DEFAULT-VALUE}.")
  int streamBuffer = new ServerConfig().streamBufferMessages();

  @Option(
      names = "--no-warm-up",
      negatable = false,
      description = "Report SERVING without the warm-up generation.")
  boolean noWarmUp;

  private Main() {}

  /** Runs the server; exits with 1 when it cannot start, 2 on bad flags. */
  public static void main(String[] args) {
    int exit = commandLine().execute(args);
    if (exit != 0) {
      System.exit(exit);
    }
  }

  /** The command line, for {@link #main} and tests. */
  static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  /** The configuration these flags describe. */
  ServerConfig toConfig() {
    String[] size = maxImageSize.toLowerCase(java.util.Locale.ROOT).split("x");
    if (size.length != 2) {
      throw new IllegalArgumentException("--max-image-size must look like 4096x4096");
    }
    int width;
    int height;
    try {
      width = Integer.parseInt(size[0].trim());
      height = Integer.parseInt(size[1].trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--max-image-size must look like 4096x4096");
    }
    return new ServerConfig()
        .setPort(port)
        .setMetricsPort(metricsPort)
        .setModelDirectory(modelDirectory)
        .setDevice(device)
        .setWorkerThreads(workers)
        .setQueueCapacity(queueCapacity)
        .setMaxMessageBytes(maxMessageBytes)
        .setMaxImageSize(width, height)
        .setDrainGrace(Duration.ofSeconds(drainGraceSeconds))
        .setDefaultMaxNewTokens(defaultMaxNewTokens)
        .setMaxNewTokensLimit(maxNewTokensLimit)
        .setMaxPromptChars(maxPromptChars)
        .setStreamBufferMessages(streamBuffer)
        .setWarmUp(!noWarmUp)
        .validate();
  }

  @Override
  public Integer call() throws Exception {
    ServerConfig config;
    try {
      config = toConfig();
    } catch (IllegalArgumentException e) {
      System.err.println("gcg-serve: " + e.getMessage());
      return CommandLine.ExitCode.USAGE;
    }
    GcgServer server = GcgServer.create(config);
    server.start();
    System.err.println(
        "gcg-serve: listening on port "
            + server.port()
            + (server.metricsPort() >= 0 ? ", metrics on port " + server.metricsPort() : "")
            + "; loading model (health NOT_SERVING)");
    Thread shutdownHook =
        new Thread(
            () -> {
              // logging may already be shut down in a hook: print to stderr
              System.err.println("gcg-serve: shutdown requested");
              try {
                server.stop(System.err);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "gcg-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    ModelInfo info;
    try {
      info = server.loadAndWarmUp();
    } catch (RuntimeException e) {
      System.err.println("gcg-serve: cannot load the model: " + e.getMessage());
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
      server.stop(System.err);
      return EXIT_STARTUP_FAILED;
    }
    System.err.println(
        "gcg-serve: model '"
            + info.name()
            + "' ready on "
            + config.device()
            + "; health SERVING on port "
            + server.port());
    server.blockUntilShutdown();
    return CommandLine.ExitCode.OK;
  }
}
