package io.gcgserve.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

  @Test
  void defaultsMatchTheDocumentedValues() {
    ServerConfig config = new ServerConfig().validate();
    assertThat(config.port()).isEqualTo(50051);
    assertThat(config.metricsPort()).isEqualTo(9464);
    assertThat(config.modelDirectory()).isNull();
    assertThat(config.device()).isEqualTo("auto");
    assertThat(config.maxMessageBytes()).isEqualTo(16 * 1024 * 1024);
    assertThat(config.maxImageWidth()).isEqualTo(4096);
    assertThat(config.maxImageHeight()).isEqualTo(4096);
    assertThat(config.maxBatch()).isEqualTo(8);
    assertThat(config.queueCapacity()).isEqualTo(8);
    assertThat(config.maxKvMib()).isEqualTo(512);
    assertThat(config.prefillChunkTokens()).isEqualTo(4096);
    assertThat(config.engineLimits().maxReservedBytes()).isEqualTo(512L << 20);
    assertThat(config.drainGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.defaultMaxNewTokens()).isEqualTo(128);
    assertThat(config.maxNewTokensLimit()).isEqualTo(ServerSettings.AUTO_TOKENS);
    assertThat(config.maxPromptChars()).isEqualTo(4096);
    assertThat(config.streamBufferMessages()).isEqualTo(64);
    assertThat(config.warmUp()).isTrue();
  }

  @Test
  void validationNamesTheFlag() {
    assertThatThrownBy(() -> new ServerConfig().setMaxBatch(0).validate())
        .hasMessage("--max-batch must be at least 1, got 0");
    assertThatThrownBy(() -> new ServerConfig().setDevice("tpu").validate())
        .hasMessage("--device must be auto, cpu or gpu, got tpu");
    assertThatThrownBy(
            () ->
                new ServerConfig().setMaxNewTokensLimit(512).setDefaultMaxNewTokens(600).validate())
        .hasMessageContaining(
            "--default-max-new-tokens must be in [1, --max-new-tokens-limit=512]");
    // under auto the model decides, when it loads
    assertThatCode(() -> new ServerConfig().setDefaultMaxNewTokens(600).validate())
        .doesNotThrowAnyException();
  }

  @Test
  void everyDefaultPassesItsOwnRule() {
    ServerConfig defaults = new ServerConfig();
    for (Setting<?> setting : ServerSettings.ALL) {
      assertThatCode(() -> checkDefault(setting, defaults))
          .as(setting.flag())
          .doesNotThrowAnyException();
    }
  }

  private static <T> void checkDefault(Setting<T> setting, ServerConfig config) {
    setting.check(config.get(setting));
  }

  @Test
  void typedSettersAndTheSettingKeysShareOneValue() {
    ServerConfig config =
        new ServerConfig().setMaxImageSize(640, 480).setDrainGrace(Duration.ofSeconds(3));
    assertThat(config.get(ServerSettings.MAX_IMAGE_SIZE)).isEqualTo(new ImageSize(640, 480));
    assertThat(config.set(ServerSettings.PORT, 7000).port()).isEqualTo(7000);
    assertThat(config.drainGrace()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void onlyAnOptionalSettingMayBeNull() {
    assertThat(new ServerConfig().setModelDirectory(null).modelDirectory()).isNull();
    assertThatThrownBy(() -> new ServerConfig().set(ServerSettings.DEVICE, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("--device is null");
  }

  @Test
  void drainGraceMessageNamesItsRealFlag() {
    assertThatThrownBy(() -> new ServerConfig().setDrainGrace(Duration.ofSeconds(-1)).validate())
        .hasMessage("--drain-grace-seconds must not be negative, got -1");
  }
}
