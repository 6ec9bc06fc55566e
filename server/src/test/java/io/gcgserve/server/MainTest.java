package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

  @Test
  void everyFlagMapsToItsSetting() {
    CommandLine commandLine = Main.commandLine();
    commandLine.parseArgs(
        "--port",
        "6000",
        "--metrics-port",
        "-1",
        "--model",
        "/models/gcg",
        "--device",
        "cpu",
        "--workers",
        "3",
        "--queue-capacity",
        "5",
        "--max-message-bytes",
        "2048",
        "--max-image-size",
        "1024x768",
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
        "--no-warm-up");
    ServerConfig config = ((Main) commandLine.getCommand()).toConfig();
    assertThat(config.port()).isEqualTo(6000);
    assertThat(config.metricsPort()).isEqualTo(-1);
    assertThat(config.modelDirectory()).isEqualTo(Path.of("/models/gcg"));
    assertThat(config.device()).isEqualTo("cpu");
    assertThat(config.workerThreads()).isEqualTo(3);
    assertThat(config.queueCapacity()).isEqualTo(5);
    assertThat(config.maxMessageBytes()).isEqualTo(2048);
    assertThat(config.maxImageWidth()).isEqualTo(1024);
    assertThat(config.maxImageHeight()).isEqualTo(768);
    assertThat(config.drainGrace()).isEqualTo(Duration.ofSeconds(7));
    assertThat(config.defaultMaxNewTokens()).isEqualTo(32);
    assertThat(config.maxNewTokensLimit()).isEqualTo(64);
    assertThat(config.maxPromptChars()).isEqualTo(100);
    assertThat(config.streamBufferMessages()).isEqualTo(4);
    assertThat(config.warmUp()).isFalse();
  }

  @Test
  void noFlagsGiveTheDefaults() {
    CommandLine commandLine = Main.commandLine();
    commandLine.parseArgs();
    ServerConfig config = ((Main) commandLine.getCommand()).toConfig();
    assertThat(config.port()).isEqualTo(ServerConfig.DEFAULT_PORT);
    assertThat(config.metricsPort()).isEqualTo(ServerConfig.DEFAULT_METRICS_PORT);
    assertThat(config.warmUp()).isTrue();
  }
}
