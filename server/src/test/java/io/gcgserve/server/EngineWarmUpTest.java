package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.model.ServedModel;
import org.junit.jupiter.api.Test;

/** The start-up warm-up runs a full batch through the engine before the model is ready. */
class EngineWarmUpTest {

  @Test
  void aFullBatchRunsAtOnceBeforeTheModelIsReady() {
    ScriptedCaptioner captioner = new ScriptedCaptioner();
    ServerConfig config = new ServerConfig().setMaxBatch(4).validate();
    try (ServedModel model = new ServedModel(() -> captioner, config)) {
      model.loadAndWarmUp();
      assertThat(model.isReady()).isTrue();
      // the single warm-up generation, then the engine's: the batch's 4 at once
      assertThat(captioner.generations()).isEqualTo(5);
      assertThat(captioner.largestDecodeBatch()).isEqualTo(4);
    }
  }

  @Test
  void noWarmUpRunsNothing() {
    ScriptedCaptioner captioner = new ScriptedCaptioner();
    ServerConfig config = new ServerConfig().setMaxBatch(4).setWarmUp(false).validate();
    try (ServedModel model = new ServedModel(() -> captioner, config)) {
      model.loadAndWarmUp();
      assertThat(model.isReady()).isTrue();
      assertThat(captioner.generations()).isZero();
    }
  }
}
