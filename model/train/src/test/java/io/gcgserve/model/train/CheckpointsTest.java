package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgNetwork;
import io.gcgserve.model.djl.GcgTokenizer;
import io.gcgserve.model.djl.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {

  @TempDir Path output;

  private static final byte[] TOKENIZER =
      GcgTokenizer.buildTokenizerJson(List.of("a", "red", "square"));
  private static final GcgConfig CONFIG =
      TrainingFixtures.config(GcgTokenizer.load(TOKENIZER).vocabularySize(), false);

  private static TrainingOptions options(long seed, int batchSize) {
    return new TrainingOptions(
        10, batchSize, 1e-3, 2, 0.1, 0.01, 1.0, seed, 5, 5, 1.0, 2.0, 2.0, 0.5, 1.0);
  }

  private static final StepLosses LOSSES = new StepLosses(9, 1, 2, 3, 4, 5, 0.5, 6, 0.25, 7);

  /** Fills every moment with a value that depends on its name, so that a mix-up shows. */
  private static void fillMoments(TrainingOptimizer optimizer) {
    for (Map.Entry<String, NDArray> entry : optimizer.state().entrySet()) {
      float value = (entry.getKey().hashCode() % 1000) / 1000f;
      NDArray moment = entry.getValue();
      moment.set(new float[(int) moment.size()]);
      moment.addi(value);
    }
  }

  @Test
  void aRestoredCheckpointHasTheSavedWeightsMomentsAndStep() throws Exception {
    Checkpoints checkpoints = new Checkpoints(output, CONFIG, TOKENIZER, options(1, 4));
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgNetwork saved = GcgNetwork.initialize(CONFIG, manager, 1);
      TrainingOptimizer savedOptimizer = new TrainingOptimizer(options(1, 4));
      savedOptimizer.initialize(saved, manager);
      fillMoments(savedOptimizer);
      assertThat(checkpoints.exists()).isFalse();
      checkpoints.save(saved, savedOptimizer, 5, LOSSES);
      assertThat(checkpoints.exists()).isTrue();

      GcgNetwork restored = GcgNetwork.initialize(CONFIG, manager, 2);
      TrainingOptimizer restoredOptimizer = new TrainingOptimizer(options(1, 4));
      restoredOptimizer.initialize(restored, manager);
      assertThat(checkpoints.restore(restored, restoredOptimizer, manager)).isEqualTo(5);
      for (String name : saved.weights().keySet()) {
        assertThat(restored.weights().get(name).toFloatArray())
            .as(name)
            .containsExactly(saved.weights().get(name).toFloatArray());
      }
      for (String name : savedOptimizer.state().keySet()) {
        assertThat(restoredOptimizer.state().get(name).toFloatArray())
            .as(name)
            .containsExactly(savedOptimizer.state().get(name).toFloatArray());
      }
    }
    String state = Files.readString(output.resolve("checkpoint/" + Checkpoints.STATE));
    assertThat(state).contains("\"step\":5", "\"seed\":1", "\"batch_size\":4", "\"loss\":9.0");
  }

  @Test
  void aNewCheckpointReplacesTheOldOneAndLeavesNoTemporaryDirectory() throws Exception {
    Checkpoints checkpoints = new Checkpoints(output, CONFIG, TOKENIZER, options(1, 4));
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgNetwork network = GcgNetwork.initialize(CONFIG, manager, 1);
      TrainingOptimizer optimizer = new TrainingOptimizer(options(1, 4));
      optimizer.initialize(network, manager);
      checkpoints.save(network, optimizer, 5, LOSSES);
      checkpoints.save(network, optimizer, 10, LOSSES);
    }
    try (Stream<Path> entries = Files.list(output)) {
      assertThat(entries.map(path -> path.getFileName().toString()))
          .containsExactlyInAnyOrder("checkpoint", "model");
    }
    assertThat(Files.readString(output.resolve("checkpoint/" + Checkpoints.STATE)))
        .contains("\"step\":10");
    assertThat(output.resolve("model/" + ModelFiles.WEIGHTS)).exists();
    assertThat(output.resolve("model/" + ModelFiles.CONFIG)).exists();
    assertThat(output.resolve("model/" + ModelFiles.TOKENIZER)).hasBinaryContent(TOKENIZER);
    // the exported model is float16: half the checkpoint's float32 weights, give or take headers
    long exported = Files.size(output.resolve("model/" + ModelFiles.WEIGHTS));
    long checkpointed = Files.size(output.resolve("checkpoint/" + ModelFiles.WEIGHTS));
    assertThat(exported).isLessThan(checkpointed * 6 / 10);
  }

  @Test
  void resumingWithAnotherSeedOrBatchSizeIsRefusedWithTheFlagsToFix() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgNetwork network = GcgNetwork.initialize(CONFIG, manager, 1);
      TrainingOptimizer optimizer = new TrainingOptimizer(options(1, 4));
      optimizer.initialize(network, manager);
      new Checkpoints(output, CONFIG, TOKENIZER, options(1, 4)).save(network, optimizer, 5, LOSSES);
      assertThatThrownBy(
              () ->
                  new Checkpoints(output, CONFIG, TOKENIZER, options(2, 4))
                      .restore(network, optimizer, manager))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--seed and --batch-size");
      assertThatThrownBy(
              () ->
                  new Checkpoints(output, CONFIG, TOKENIZER, options(1, 8))
                      .restore(network, optimizer, manager))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("batch size 4");
    }
  }
}
