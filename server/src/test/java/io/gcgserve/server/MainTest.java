package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.config.ServerSettings;
import io.gcgserve.server.config.Setting;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

class MainTest {

  @Test
  void everyFlagMapsToItsSetting() {
    CommandLine commandLine = Main.commandLine();
    commandLine.parseArgs(
        "--port",
        "6000",
        "--metrics-port",
        "-1",
        "--bind",
        "127.0.0.1",
        "--metrics-bind",
        "*",
        "--model",
        "/models/gcg",
        "--device",
        "cpu",
        "--max-batch",
        "3",
        "--queue-capacity",
        "5",
        "--max-kv-mib",
        "64",
        "--prefill-chunk-tokens",
        "1000",
        "--prefill-lane",
        "off",
        "--max-message-bytes",
        "2048",
        "--max-image-size",
        "1024x768",
        "--drain-delay-seconds",
        "2",
        "--drain-grace-seconds",
        "7",
        "--default-max-new-tokens",
        "32",
        "--max-new-tokens-limit",
        "64",
        "--max-prompt-chars",
        "100",
        "--stream-buffer",
        "4",
        "--stream-transport-bytes",
        "2048",
        "--no-warm-up",
        "--experiments",
        "/etc/gcg/experiments.yaml",
        "--experiments-poll-seconds",
        "9",
        "--access-log",
        "-",
        "--access-log-captions",
        "--access-log-rotate-mib",
        "16",
        "--access-log-keep",
        "3",
        "--budget-backoff=off");
    ServerConfig config = ((Main) commandLine.getCommand()).toConfig();
    assertThat(config.budgetBackoff()).isFalse();
    assertThat(config.port()).isEqualTo(6000);
    assertThat(config.metricsPort()).isEqualTo(-1);
    assertThat(config.bind()).isEqualTo("127.0.0.1");
    assertThat(config.socketAddress(6000).getAddress().isLoopbackAddress()).isTrue();
    assertThat(config.metricsBind()).isEqualTo("*");
    assertThat(config.metricsSocketAddress(9000).getAddress().isAnyLocalAddress()).isTrue();
    assertThat(config.drainDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.modelDirectory()).isEqualTo(Path.of("/models/gcg"));
    assertThat(config.device()).isEqualTo("cpu");
    assertThat(config.maxBatch()).isEqualTo(3);
    assertThat(config.queueCapacity()).isEqualTo(5);
    assertThat(config.maxKvMib()).isEqualTo(64);
    assertThat(config.prefillChunkTokens()).isEqualTo(1000);
    assertThat(config.prefillLane()).isFalse();
    assertThat(config.engineLimits().prefillLane()).isFalse();
    assertThat(config.maxMessageBytes()).isEqualTo(2048);
    assertThat(config.maxImageWidth()).isEqualTo(1024);
    assertThat(config.maxImageHeight()).isEqualTo(768);
    assertThat(config.drainGrace()).isEqualTo(Duration.ofSeconds(7));
    assertThat(config.defaultMaxNewTokens()).isEqualTo(32);
    assertThat(config.maxNewTokensLimit()).isEqualTo(64);
    assertThat(config.maxPromptChars()).isEqualTo(100);
    assertThat(config.streamBufferMessages()).isEqualTo(4);
    assertThat(config.get(ServerSettings.STREAM_TRANSPORT_BYTES)).isEqualTo(2048);
    assertThat(config.warmUp()).isFalse();
    assertThat(config.experimentsFile()).isEqualTo(Path.of("/etc/gcg/experiments.yaml"));
    assertThat(config.experimentsPollSeconds()).isEqualTo(9);
    assertThat(config.accessLog()).isEqualTo(Path.of("-"));
    assertThat(config.accessLogCaptions()).isTrue();
    assertThat(config.accessLogRotateMib()).isEqualTo(16);
    assertThat(config.accessLogKeep()).isEqualTo(3);
  }

  @Test
  void aBadExperimentsFileStopsTheServerBeforeItListensNamingTheLine(@TempDir Path directory)
      throws Exception {
    Path file = directory.resolve("experiments.yaml");
    Files.writeString(
        file,
        "experiments:\n  - name: e\n    salt: s\n    arms:\n"
            + "      - {name: a, weight: 1, pruner: {name: nope}}\n"
            + "      - {name: b, weight: 0, pruner: {}}\n");
    CommandLine commandLine = Main.commandLine();
    StringWriter err = new StringWriter();
    commandLine.setErr(new PrintWriter(err));
    PrintStream standardError = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      exit =
          commandLine.execute(
              "--port", "0", "--metrics-port", "-1", "--experiments", file.toString());
    } finally {
      System.setErr(standardError);
    }
    assertThat(exit).isEqualTo(Main.EXIT_STARTUP_FAILED);
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains(file + ":5:")
        .contains("experiments[0].arms[0].pruner")
        .contains("nope")
        .contains(file + ":6:")
        .contains("experiments[0].arms[1].weight: must be a positive number, got 0")
        .doesNotContain("listening");
  }

  @Test
  void anOnOffFlagTakesItsWordEitherWayAndNothingElse() {
    for (List<String> args :
        List.of(List.of("--budget-backoff", "off"), List.of("--budget-backoff=off"))) {
      CommandLine commandLine = Main.commandLine();
      commandLine.parseArgs(args.toArray(String[]::new));
      assertThat(((Main) commandLine.getCommand()).toConfig().budgetBackoff()).isFalse();
    }
    assertThatThrownBy(() -> Main.commandLine().parseArgs("--budget-backoff=false"))
        .hasMessageContaining("--budget-backoff': must be on or off, got false");
  }

  @Test
  void theBudgetLoadCeilingTakesALoadOrOff() {
    CommandLine off = Main.commandLine();
    off.parseArgs("--budget-max-load", "off");
    assertThat(((Main) off.getCommand()).toConfig().budgetMaxLoad()).isZero();
    CommandLine half = Main.commandLine();
    half.parseArgs("--budget-max-load=0.5");
    assertThat(((Main) half.getCommand()).toConfig().budgetMaxLoad()).isEqualTo(0.5);
    assertThat(new ServerConfig().budgetMaxLoad()).isEqualTo(0.7);
    assertThatThrownBy(() -> Main.commandLine().parseArgs("--budget-max-load=-1"))
        .hasMessageContaining("--budget-max-load': must be >= 0, or off, got -1");
  }

  @Test
  void noFlagsGiveEveryDefaultOfServerConfig() {
    CommandLine commandLine = Main.commandLine();
    commandLine.parseArgs();
    ServerConfig parsed = ((Main) commandLine.getCommand()).toConfig();
    ServerConfig defaults = new ServerConfig();
    for (Setting<?> setting : ServerSettings.ALL) {
      assertThat(parsed.get(setting)).as(setting.flag()).isEqualTo(defaults.get(setting));
    }
    assertThat(parsed.port()).isEqualTo(50051);
    assertThat(parsed.metricsPort()).isEqualTo(9464);
    assertThat(parsed.warmUp()).isTrue();
  }

  @Test
  void everySettingHasExactlyOneFlagAndEveryFlagOneSetting() {
    CommandSpec spec = Main.commandLine().getCommandSpec();
    List<String> settingFlags = ServerSettings.ALL.stream().map(Setting::flag).toList();
    List<String> optionNames =
        spec.options().stream()
            .filter(option -> !option.usageHelp() && !option.versionHelp())
            .flatMap(option -> Arrays.stream(option.names()))
            .toList();

    assertThat(settingFlags).doesNotHaveDuplicates();
    assertThat(optionNames).containsExactlyElementsOf(settingFlags);
  }

  @Test
  void helpListsEveryFlagWithTheDefaultOfServerConfig() {
    StringWriter out = new StringWriter();
    CommandLine commandLine = Main.commandLine();
    commandLine.setOut(new PrintWriter(out));

    int exit = commandLine.execute("--help");

    assertThat(exit).isZero();
    // the help wraps descriptions across lines; one space per gap makes each entry one run
    String help = out.toString().replaceAll("\\s+", " ");
    ServerConfig defaults = new ServerConfig();
    for (Setting<?> setting : ServerSettings.ALL) {
      assertThat(shownDefault(help, setting.flag()))
          .as("default --help shows for %s", setting.flag())
          .isEqualTo(displayed(setting, defaults));
    }
  }

  private static <T> String displayed(Setting<T> setting, ServerConfig config) {
    return setting.display(config.get(setting));
  }

  /** The text between "Default: " and the closing "." of {@code flag}'s entry in the help. */
  private static String shownDefault(String help, String flag) {
    Matcher entry =
        Pattern.compile(" " + Pattern.quote(flag) + "[= ].*? Default: (.*?)\\.(?: -|$| ?$)")
            .matcher(help);
    assertThat(entry.find()).as("%s in the help:%n%s", flag, help).isTrue();
    return entry.group(1);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "--port | 70000 | must be in [0, 65535], got 70000",
        "--port | seven | must be a whole number, got 'seven'",
        "--metrics-port | 65536 | must be at most 65535, got 65536",
        "--device | tpu | must be auto, cpu or gpu, got tpu",
        "--max-batch | 0 | must be at least 1, got 0",
        "--max-kv-mib | 0 | must be at least 1, got 0",
        "--prefill-chunk-tokens | 0 | must be at least 1, got 0",
        "--prefill-lane | yes | must be on or off, got yes",
        "--queue-capacity | -1 | must be >= 0, got -1",
        "--max-message-bytes | 10 | must be at least 1024, got 10",
        "--max-image-size | 4096by4096 | must look like 4096x4096, got '4096by4096'",
        "--max-image-size | 0x10 | must be positive, got 0x10",
        "--drain-grace-seconds | -5 | must not be negative, got -5",
        "--drain-delay-seconds | -1 | must not be negative, got -1",
        "--bind | not an address | must be *, an IP address or a host name, got not an address",
        "--metrics-bind | a b | must be *, an IP address or a host name, got a b",
        "--drain-grace-seconds | soon | must be a whole number of seconds, got 'soon'",
        "--max-new-tokens-limit | 0 | must be auto or at least 1, got 0",
        "--max-new-tokens-limit | -3 | must be auto or at least 1, got -3",
        "--max-new-tokens-limit | lots | must be a whole number, got 'lots'",
        "--max-prompt-chars | 0 | must be at least 1, got 0",
        "--stream-buffer | 0 | must be at least 1, got 0",
      })
  void invalidValueIsRefusedWithAMessageNamingTheFlag(
      String flag, String value, String requirement) {
    StringWriter err = new StringWriter();
    CommandLine commandLine = Main.commandLine();
    commandLine.setErr(new PrintWriter(err));

    int exit = commandLine.execute(flag, value);

    assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString().lines().findFirst().orElseThrow())
        .startsWith("Invalid value for option '" + flag + "'")
        .endsWith(": " + requirement);
  }

  @Test
  void valuesValidAloneButNotTogetherAreRefusedNamingTheFlag() {
    StringWriter err = new StringWriter();
    CommandLine commandLine = Main.commandLine();
    commandLine.setErr(new PrintWriter(err));

    int exit =
        commandLine.execute("--max-new-tokens-limit", "100", "--default-max-new-tokens", "200");

    assertThat(exit).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString())
        .startsWith(
            "gcg-serve: --default-max-new-tokens must be in [1, --max-new-tokens-limit=100], got"
                + " 200");
  }
}
