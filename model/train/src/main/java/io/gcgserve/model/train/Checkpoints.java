package io.gcgserve.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gcgserve.model.djl.GcgConfig;
import io.gcgserve.model.djl.GcgNetwork;
import io.gcgserve.model.djl.ModelFiles;
import io.gcgserve.model.djl.SafeTensors;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint and the exported model of a training run, both written to a temporary directory
 * and moved into place only once complete, so that a run killed mid-write leaves the previous
 * checkpoint intact and {@code --resume} continues bit for bit.
 *
 * <p>Layout under the output directory: {@code checkpoint/} (float32 weights, optimizer moments,
 * config, tokenizer, {@code state.json}) and {@code model/}, an HF-style model directory (float16
 * weights) that the server can load, refreshed at each checkpoint so that an interrupted run still
 * leaves a usable model.
 */
final class Checkpoints {

  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

  static final String STATE = "state.json";
  static final String OPTIMIZER = "optimizer.safetensors";

  private final Path outputDirectory;
  private final GcgConfig config;
  private final byte[] tokenizerJson;
  private final TrainingOptions options;

  /** Checkpoints of a run of {@code config} with {@code options} under {@code outputDirectory}. */
  Checkpoints(
      Path outputDirectory, GcgConfig config, byte[] tokenizerJson, TrainingOptions options) {
    this.outputDirectory = Objects.requireNonNull(outputDirectory, "outputDirectory is null");
    this.config = Objects.requireNonNull(config, "config is null");
    this.tokenizerJson = Objects.requireNonNull(tokenizerJson, "tokenizerJson is null").clone();
    this.options = Objects.requireNonNull(options, "options is null");
  }

  /** The directory that holds the checkpoint and the exported model. */
  Path outputDirectory() {
    return outputDirectory;
  }

  /** Directory of the latest checkpoint. */
  Path checkpointDirectory() {
    return outputDirectory.resolve("checkpoint");
  }

  /** Directory of the exported model. */
  Path modelDirectory() {
    return outputDirectory.resolve("model");
  }

  /** Whether a complete checkpoint exists (its state file is written last). */
  boolean exists() {
    return Files.exists(checkpointDirectory().resolve(STATE));
  }

  /**
   * Replaces the checkpoint with the state after 1-based {@code step}, whose losses were {@code
   * last}, and then the exported model.
   */
  void save(GcgNetwork network, TrainingOptimizer optimizer, int step, StepLosses last)
      throws IOException {
    Path temporary = outputDirectory.resolve("checkpoint.tmp");
    deleteRecursively(temporary);
    Files.createDirectories(temporary);
    try (OutputStream out = Files.newOutputStream(temporary.resolve(ModelFiles.WEIGHTS))) {
      SafeTensors.write(network.weights(), SafeTensors.StorageType.F32, Map.of(), out);
    }
    try (OutputStream out = Files.newOutputStream(temporary.resolve(OPTIMIZER))) {
      SafeTensors.write(optimizer.state(), SafeTensors.StorageType.F32, Map.of(), out);
    }
    Files.writeString(temporary.resolve(ModelFiles.CONFIG), config.toJson());
    Files.write(temporary.resolve(ModelFiles.TOKENIZER), tokenizerJson);
    Files.writeString(temporary.resolve(STATE), state(step, last) + "\n");
    // swap in the new checkpoint only once it is complete
    Path previous = outputDirectory.resolve("checkpoint.old");
    deleteRecursively(previous);
    if (Files.exists(checkpointDirectory())) {
      Files.move(checkpointDirectory(), previous, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(temporary, checkpointDirectory(), StandardCopyOption.ATOMIC_MOVE);
    deleteRecursively(previous);
    LOG.debug("checkpoint of step {} written to {}", step, checkpointDirectory());
    exportModel(network);
  }

  private JsonObject state(int step, StepLosses last) {
    JsonObject state = new JsonObject();
    state.addProperty("step", step);
    state.addProperty("seed", options.seed());
    state.addProperty("total_steps", options.steps());
    state.addProperty("batch_size", options.batchSize());
    state.addProperty("loss", last.total());
    state.addProperty("text_loss", last.text());
    state.addProperty("bce_loss", last.bce());
    state.addProperty("dice_loss", last.dice());
    state.addProperty("visual_word_loss", last.words());
    state.addProperty("region_word_loss", last.regions());
    state.addProperty("glance_dice_loss", last.glanceDice());
    return state;
  }

  private void exportModel(GcgNetwork network) throws IOException {
    Path temporary = outputDirectory.resolve("model.tmp");
    deleteRecursively(temporary);
    Files.createDirectories(temporary);
    try (OutputStream out = Files.newOutputStream(temporary.resolve(ModelFiles.WEIGHTS))) {
      SafeTensors.write(
          network.weights(), SafeTensors.StorageType.F16, Map.of("format", "pt"), out);
    }
    Files.writeString(temporary.resolve(ModelFiles.CONFIG), config.toJson());
    Files.write(temporary.resolve(ModelFiles.TOKENIZER), tokenizerJson);
    deleteRecursively(modelDirectory());
    Files.move(temporary, modelDirectory(), StandardCopyOption.ATOMIC_MOVE);
    LOG.debug("model exported to {}", modelDirectory());
  }

  /**
   * Loads the checkpoint's weights into {@code network} and its moments into {@code optimizer};
   * temporaries live in a sub-manager of {@code manager}.
   *
   * @return the step the checkpoint was taken after
   * @throws IllegalArgumentException when the checkpoint was made with another seed or batch size,
   *     or for another architecture
   */
  int restore(GcgNetwork network, TrainingOptimizer optimizer, NDManager manager)
      throws IOException {
    Path directory = checkpointDirectory();
    JsonObject state =
        JsonParser.parseString(Files.readString(directory.resolve(STATE))).getAsJsonObject();
    if (state.get("seed").getAsLong() != options.seed()
        || state.get("batch_size").getAsInt() != options.batchSize()) {
      throw new IllegalArgumentException(
          "checkpoint in "
              + directory
              + " was made with seed "
              + state.get("seed")
              + " and batch size "
              + state.get("batch_size")
              + "; resume with the same --seed and --batch-size");
    }
    try (NDManager scope = manager.newSubManager()) {
      Map<String, NDArray> weights =
          SafeTensors.read(
              Files.readAllBytes(directory.resolve(ModelFiles.WEIGHTS)), scope, "checkpoint");
      for (Map.Entry<String, NDArray> entry : network.weights().entrySet()) {
        NDArray saved = weights.get(entry.getKey());
        if (saved == null || !saved.getShape().equals(entry.getValue().getShape())) {
          throw new IllegalArgumentException(
              "checkpoint does not match the model architecture at " + entry.getKey());
        }
        entry.getValue().set(saved.toFloatArray());
      }
      optimizer.restore(
          SafeTensors.read(Files.readAllBytes(directory.resolve(OPTIMIZER)), scope, "optimizer"));
    }
    int step = state.get("step").getAsInt();
    LOG.debug("restored step {} from {}", step, directory);
    return step;
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(each);
      }
    }
  }
}
