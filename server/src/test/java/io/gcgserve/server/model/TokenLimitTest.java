package io.gcgserve.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.model.ModelInfo;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.server.config.ServerSettings;
import org.junit.jupiter.api.Test;

/** {@code --max-new-tokens-limit} resolved against the model: auto is what the context leaves. */
class TokenLimitTest {

  /** The bundled model's shape: 1,024 positions, 24x24 visual tokens, 27 default prompt tokens. */
  private static final ModelInfo BUNDLED =
      new ModelInfo("bundled", new ModelGeometry(4, 24, 24, 128, 256), 336, 1024, "describe");

  private static final int PROMPT_TOKENS = 27;

  @Test
  void autoIsTheContextLeftAfterTheVisualTokensAndTheDefaultPrompt() {
    assertThat(
            ServedModel.resolveTokenLimit(ServerSettings.AUTO_TOKENS, 128, BUNDLED, PROMPT_TOKENS))
        .isEqualTo(1024 - 576 - 27)
        .isEqualTo(421);
  }

  @Test
  void aLimitAtOrBelowTheCeilingIsKept() {
    assertThat(ServedModel.resolveTokenLimit(421, 128, BUNDLED, PROMPT_TOKENS)).isEqualTo(421);
    assertThat(ServedModel.resolveTokenLimit(200, 128, BUNDLED, PROMPT_TOKENS)).isEqualTo(200);
  }

  @Test
  void aLimitAboveTheCeilingIsRefusedSayingWhy() {
    assertThatThrownBy(() -> ServedModel.resolveTokenLimit(512, 128, BUNDLED, PROMPT_TOKENS))
        .isInstanceOf(TokenLimitException.class)
        .hasMessage(
            "--max-new-tokens-limit 512 exceeds the model's ceiling of 421 (context 1024 tokens"
                + " - 576 visual tokens - 27 tokens of the default prompt); use auto or at most"
                + " 421");
  }

  @Test
  void aDefaultAboveTheResolvedLimitIsRefused() {
    assertThatThrownBy(
            () ->
                ServedModel.resolveTokenLimit(
                    ServerSettings.AUTO_TOKENS, 500, BUNDLED, PROMPT_TOKENS))
        .isInstanceOf(TokenLimitException.class)
        .hasMessageStartingWith(
            "--default-max-new-tokens 500 exceeds the limit of 421, the model's");
    assertThatThrownBy(() -> ServedModel.resolveTokenLimit(100, 128, BUNDLED, PROMPT_TOKENS))
        .hasMessage(
            "--default-max-new-tokens 128 exceeds the limit of 100 (--max-new-tokens-limit);"
                + " lower it");
  }

  @Test
  void aModelWithoutRoomIsRefused() {
    ModelInfo tight =
        new ModelInfo("tight", new ModelGeometry(4, 24, 24, 128, 256), 336, 600, "describe");
    assertThatThrownBy(
            () ->
                ServedModel.resolveTokenLimit(ServerSettings.AUTO_TOKENS, 1, tight, PROMPT_TOKENS))
        .hasMessageStartingWith("model 'tight' leaves no room to generate");
  }
}
