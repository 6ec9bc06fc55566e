package io.gcgserve.server;

import com.google.inject.ProvisionException;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.config.ServerSettings;
import io.gcgserve.server.config.Setting;
import io.gcgserve.server.experiment.ExperimentFileException;
import io.gcgserve.server.model.TokenLimitException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code gcg-serve}: parses flags into a {@link ServerConfig}, starts the server, loads and warms
 * the model, and serves until SIGTERM, which drains gracefully. The flags are not written here:
 * each comes from its {@link ServerSettings} declaration, so the help, the defaults and the checks
 * are the ones {@link ServerConfig} uses.
 */
public final class Main implements Callable<Integer> {

  /** Exit status when the model or the port cannot be brought up. */
  static final int EXIT_STARTUP_FAILED = 1;

  /** Exit status when a drain had to cancel calls still running after the grace period. */
  static final int EXIT_DRAIN_FORCED = 3;

  private final CommandSpec spec;

  private Main() {
    spec =
        CommandSpec.wrapWithoutInspection(this)
            .name("gcg-serve")
            .version("gcg-serve 0.1.0")
            .mixinStandardHelpOptions(true);
    spec.usageMessage()
        .description("Serves the grounded captioning model over gRPC (gcg.v1.GroundedCaption).")
        .sortOptions(false)
        .sortSynopsis(false);
    for (Setting<?> setting : ServerSettings.ALL) {
      spec.addOption(option(setting));
    }
  }

  /**
   * Runs the server; exits with 0 after a clean drain, 1 when it cannot start, 2 on bad flags, 3
   * when the drain cancelled calls.
   */
  public static void main(String[] args) {
    int exit = commandLine().execute(args);
    // exit even if a library left a non-daemon thread behind after the drain
    System.exit(exit);
  }

  /** The command line, for {@link #main} and tests. */
  static CommandLine commandLine() {
    return new CommandLine(new Main().spec);
  }

  /** The flag of {@code setting}, with its default in the help line. */
  private static OptionSpec option(Setting<?> setting) {
    OptionSpec.Builder option =
        OptionSpec.builder(setting.flag())
            .description(setting.description() + " Default: " + displayDefault(setting) + ".");
    if (setting.isSwitch()) {
      return option.arity("0").type(boolean.class).build();
    }
    return option
        .paramLabel(setting.valueLabel())
        .type(setting.type())
        .converters(text -> convert(setting, text))
        .build();
  }

  private static <T> String displayDefault(Setting<T> setting) {
    return setting.display(setting.defaultValue());
  }

  private static Object convert(Setting<?> setting, String text) {
    try {
      return setting.parse(text);
    } catch (IllegalArgumentException e) {
      // picocli prefixes this with "Invalid value for option '--flag'"
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }

  /** The configuration these flags describe: the defaults, with every flag given applied. */
  ServerConfig toConfig() {
    ParseResult parsed = spec.commandLine().getParseResult();
    ServerConfig config = new ServerConfig();
    for (Setting<?> setting : ServerSettings.ALL) {
      applyIfGiven(parsed, setting, config);
    }
    return config.validate();
  }

  private static <T> void applyIfGiven(
      ParseResult parsed, Setting<T> setting, ServerConfig config) {
    OptionSpec given = parsed.matchedOption(setting.flag());
    if (given == null) {
      return;
    }
    T value = setting.isSwitch() ? setting.switchedValue() : setting.type().cast(given.getValue());
    config.set(setting, value);
  }

  @Override
  public Integer call() throws Exception {
    ServerConfig config;
    try {
      config = toConfig();
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("gcg-serve: " + e.getMessage());
      return CommandLine.ExitCode.USAGE;
    }
    GcgServer server;
    try {
      server = GcgServer.create(config);
    } catch (ProvisionException e) {
      // e.g. an --access-log that cannot be opened: say why, without Guice's wiring report
      Throwable cause = e.getCause() == null ? e : e.getCause();
      System.err.println("gcg-serve: " + cause.getMessage());
      return EXIT_STARTUP_FAILED;
    }
    try {
      server.checkExperiments();
    } catch (ExperimentFileException e) {
      System.err.println("gcg-serve: " + e.getMessage());
      return EXIT_STARTUP_FAILED;
    }
    server.start();
    System.err.println(
        "gcg-serve: listening on "
            + config.bind()
            + " port "
            + server.port()
            + " ("
            + server.transport()
            + ")"
            + (server.metricsPort() >= 0 ? ", metrics on port " + server.metricsPort() : "")
            + "; loading model (health NOT_SERVING)");
    // SIGTERM and SIGINT drain through DrainSignal; the hook covers any other way the JVM ends
    Thread shutdownHook =
        new Thread(
            () -> {
              // logging may already be shut down in a hook: print to stderr
              try {
                server.stop(System.err);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "gcg-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    DrainSignal signals = DrainSignal.install(server, System.err);
    ModelInfo info;
    try {
      info = server.loadAndWarmUp();
    } catch (ExperimentFileException e) {
      System.err.println("gcg-serve: " + e.getMessage());
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
      server.stop(System.err);
      return EXIT_STARTUP_FAILED;
    } catch (TokenLimitException e) {
      System.err.println("gcg-serve: " + e.getMessage());
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
      server.stop(System.err);
      return EXIT_STARTUP_FAILED;
    } catch (RuntimeException e) {
      if (signals.requested()) {
        // stopped while loading: the drain closed the model under the warm-up
        return signals.awaitDrained() ? CommandLine.ExitCode.OK : EXIT_DRAIN_FORCED;
      }
      System.err.println("gcg-serve: cannot load the model: " + e.getMessage());
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
      server.stop(System.err);
      return EXIT_STARTUP_FAILED;
    }
    ReloadSignal.install(server);
    System.err.println(
        "gcg-serve: model '"
            + info.name()
            + "' ready on "
            + config.device()
            + "; health SERVING on port "
            + server.port());
    return signals.awaitDrained() ? CommandLine.ExitCode.OK : EXIT_DRAIN_FORCED;
  }
}
