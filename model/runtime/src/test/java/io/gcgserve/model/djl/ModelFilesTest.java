package io.gcgserve.model.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.gcgserve.model.ModelLoadException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {

  @TempDir Path directory;

  @Test
  void safetensorsRoundTripsInBothPrecisions() throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgConfig config = TinyModels.config(29);
      GcgNetwork network = GcgNetwork.initialize(config, manager, 3);
      for (SafeTensors.StorageType storage : SafeTensors.StorageType.values()) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafeTensors.write(network.weights(), storage, Map.of("format", "pt"), out);
        Map<String, NDArray> read = SafeTensors.read(out.toByteArray(), manager, "test");
        assertThat(read.keySet()).isEqualTo(network.weights().keySet());
        double tolerance = storage == SafeTensors.StorageType.F32 ? 0 : 1e-3;
        for (String name : read.keySet()) {
          NDArray expected = network.weights().get(name);
          assertThat(read.get(name).getShape()).isEqualTo(expected.getShape());
          float[] a = read.get(name).toFloatArray();
          float[] b = expected.toFloatArray();
          for (int i = 0; i < a.length; i++) {
            assertThat((double) Math.abs(a[i] - b[i]))
                .isLessThanOrEqualTo(tolerance * Math.max(1, Math.abs(b[i])));
          }
        }
      }
    }
  }

  @Test
  void halfPrecisionConversionMatchesIeeeOnEdgeCases() {
    float[] values = {0f, -0f, 1f, -2.5f, 65504f, 1e-7f, 6.1035156e-5f, 70000f};
    float[] expected = {
      0f, -0f, 1f, -2.5f, 65504f, 1.1920929e-7f, 6.1035156e-5f, Float.POSITIVE_INFINITY
    };
    for (int i = 0; i < values.length; i++) {
      assertThat(SafeTensors.halfToFloat(SafeTensors.floatToHalf(values[i])))
          .isEqualTo(expected[i]);
    }
  }

  private void writeModel(GcgConfig config, Map<String, NDArray> weights) throws IOException {
    Files.writeString(directory.resolve(ModelFiles.CONFIG), config.toJson());
    Files.write(
        directory.resolve(ModelFiles.TOKENIZER), GcgTokenizer.buildTokenizerJson(TinyModels.WORDS));
    try (OutputStream out = Files.newOutputStream(directory.resolve(ModelFiles.WEIGHTS))) {
      SafeTensors.write(weights, SafeTensors.StorageType.F16, Map.of(), out);
    }
  }

  @Test
  void loadsAModelDirectoryItWrote() throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgConfig config = TinyModels.config(TinyModels.WORDS.size() + 9);
      writeModel(config, GcgNetwork.initialize(config, manager, 1).weights());
    }
    try (DjlGroundedCaptioner captioner = ModelFiles.loadDirectory(directory, Device.cpu())) {
      assertThat(captioner.info().geometry().visualTokens()).isEqualTo(64);
      assertThat(captioner.info().name()).isEqualTo("tiny-test");
    }
  }

  @Test
  void missingFileIsNamed() {
    assertThatThrownBy(() -> ModelFiles.loadDirectory(directory, Device.cpu()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("has no config.json");
  }

  @Test
  void shapeMismatchNamesTheTensor() throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgConfig config = TinyModels.config(TinyModels.WORDS.size() + 9);
      Map<String, NDArray> weights =
          new LinkedHashMap<>(GcgNetwork.initialize(config, manager, 1).weights());
      weights.put("llm.norm.weight", manager.ones(new ai.djl.ndarray.types.Shape(7)));
      writeModel(config, weights);
    }
    assertThatThrownBy(() -> ModelFiles.loadDirectory(directory, Device.cpu()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("'llm.norm.weight' has shape (7)");
  }

  @Test
  void unknownTensorIsNamed() throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgConfig config = TinyModels.config(TinyModels.WORDS.size() + 9);
      Map<String, NDArray> weights =
          new LinkedHashMap<>(GcgNetwork.initialize(config, manager, 1).weights());
      weights.put("llm.extra.weight", manager.ones(new ai.djl.ndarray.types.Shape(2)));
      writeModel(config, weights);
    }
    assertThatThrownBy(() -> ModelFiles.loadDirectory(directory, Device.cpu()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("unknown tensor 'llm.extra.weight'");
  }

  @Test
  void unknownAndMissingConfigKeysAreNamed() {
    String json = TinyModels.config(30).toJson();
    assertThatThrownBy(() -> GcgConfig.parse(json.replace("\"layers\"", "\"num_layers\"")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("unknown keys [num_layers]");
    assertThatThrownBy(() -> GcgConfig.parse(json.replace("\"patch_size\": 8,", "")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("missing required key 'patch_size'");
    assertThatThrownBy(() -> GcgConfig.parse("[1, 2]"))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("not a JSON object");
  }

  @Test
  void singleRegionMasksIsOptionalButMustBeABoolean() {
    String json = TinyModels.config(30).toJson();
    assertThat(json).contains("\"single_region_masks\": false");
    assertThat(GcgConfig.parse(json.replace("false", "true")).singleRegionMasks()).isTrue();
    // model directories written before the key existed still load, with the key off
    GcgConfig older = GcgConfig.parse(json.replace("\"single_region_masks\": false,", ""));
    assertThat(older.singleRegionMasks()).isFalse();
    assertThat(older).isEqualTo(TinyModels.config(30));
    assertThatThrownBy(() -> GcgConfig.parse(json.replace("false", "1")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("'single_region_masks' must be true or false, got 1");
  }

  @Test
  void phraseGlanceIsOptionalAndBringsItsOwnWeights() {
    String json = TinyModels.config(30).toJson();
    assertThat(json).contains("\"phrase_glance\": false");
    GcgConfig glancing =
        GcgConfig.parse(json.replace("\"phrase_glance\": false", "\"phrase_glance\": true"));
    assertThat(glancing.phraseGlance()).isTrue();
    assertThat(GcgConfig.parse(json.replace("\"phrase_glance\": false,", "")))
        .isEqualTo(TinyModels.config(30));
    assertThat(GcgNetwork.parameterShapes(glancing))
        .containsKeys("glance.weight", "glance.bias")
        .hasSize(GcgNetwork.parameterShapes(TinyModels.config(30)).size() + 2);
    try (NDManager manager = NDManager.newBaseManager()) {
      // weights of a model without the glance do not fit a config that asks for it
      var plain = GcgNetwork.initialize(TinyModels.config(30), manager, 1).weights();
      assertThatThrownBy(() -> new GcgNetwork(glancing, plain))
          .isInstanceOf(ModelLoadException.class)
          .hasMessageContaining("lacks tensor 'glance.weight'");
    }
    assertThatThrownBy(
            () -> GcgConfig.parse(json.replace("\"phrase_glance\": false", "\"phrase_glance\": 0")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("'phrase_glance' must be true or false, got 0");
  }

  @Test
  void copiesChangeOnlyTheirOneField() {
    GcgConfig config = TinyModels.config(30);
    GcgConfig wider = config.withVocabSize(41);
    assertThat(wider.vocabSize()).isEqualTo(41);
    assertThat(wider.withVocabSize(30)).isEqualTo(config);
    GcgConfig prompted = config.withDefaultPrompt("say it .");
    assertThat(prompted.defaultPrompt()).isEqualTo("say it .");
    assertThat(prompted.withDefaultPrompt(config.defaultPrompt())).isEqualTo(config);
  }

  @Test
  void phraseWordsOnceIsAnOptionalDecodingRule() {
    String json = TinyModels.config(30).toJson();
    assertThat(json).contains("\"phrase_words_once\": false");
    assertThat(
            GcgConfig.parse(
                    json.replace("\"phrase_words_once\": false", "\"phrase_words_once\": true"))
                .phraseWordsOnce())
        .isTrue();
    assertThat(GcgConfig.parse(json.replace("\"phrase_words_once\": false,", "")))
        .isEqualTo(TinyModels.config(30));
    // a decoding rule: no weights of its own
    assertThat(
            GcgNetwork.parameterShapes(
                GcgConfig.parse(
                    json.replace("\"phrase_words_once\": false", "\"phrase_words_once\": true"))))
        .isEqualTo(GcgNetwork.parameterShapes(TinyModels.config(30)));
  }

  @Test
  void vocabularySizeMustMatchTheTokenizer() throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      GcgConfig config = TinyModels.config(TinyModels.WORDS.size() + 10);
      writeModel(config, GcgNetwork.initialize(config, manager, 1).weights());
    }
    assertThatThrownBy(() -> ModelFiles.loadDirectory(directory, Device.cpu()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("tokenizer.json has 29 tokens but config.json says vocab_size 30");
  }

  @Test
  void corruptWeightsFileIsReported() throws IOException {
    Files.writeString(directory.resolve(ModelFiles.CONFIG), TinyModels.config(29).toJson());
    Files.write(
        directory.resolve(ModelFiles.TOKENIZER), GcgTokenizer.buildTokenizerJson(TinyModels.WORDS));
    Files.write(
        directory.resolve(ModelFiles.WEIGHTS), "not a model".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> ModelFiles.loadDirectory(directory, Device.cpu()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("corrupt header length");
  }
}
