package io.gcgserve.model.djl;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gcgserve.model.ModelLoadException;
import io.gcgserve.pruners.ModelGeometry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The architecture hyper-parameters of a GCG model, read from {@code config.json}. One architecture
 * serves the bundled tiny checkpoint and a full-size one; only these numbers differ.
 *
 * @param name model name
 * @param imageSize square input side in pixels
 * @param patchSize ViT patch side in pixels; {@code imageSize / patchSize} tokens per side
 * @param visionHiddenSize ViT width
 * @param visionLayers ViT depth
 * @param visionHeads ViT attention heads
 * @param visionIntermediateSize ViT MLP width
 * @param hiddenSize LLM width (d)
 * @param layers LLM depth (T)
 * @param heads LLM attention heads
 * @param intermediateSize LLM SwiGLU width (m)
 * @param vocabSize vocabulary size, equal to the tokenizer's
 * @param ropeTheta RoPE base
 * @param rmsNormEps RMSNorm epsilon
 * @param maxPositions longest sequence, prompt + visual + generated
 * @param groundingChannels channels of the grounding encoder's pixel features; training needs a
 *     multiple of 16 (the trainer refuses others: model/README.md, Training)
 * @param groundingStride downsampling of the grounding features relative to the input image
 * @param maskHiddenSize hidden width of the per-pixel mask decoder
 * @param singleRegionMasks whether each phrase's mask is cut to one connected region (see {@link
 *     Masks#keepOneRegion}); optional key {@code single_region_masks}, false when absent
 * @param phraseGlance whether the words of a phrase are chosen with a glance at the region the
 *     phrase is about (see {@link PhraseGlance}); optional key {@code phrase_glance}, false when
 *     absent
 * @param phraseWordsOnce whether decoding keeps a word from appearing twice in one phrase (see
 *     {@link CaptionAssembler#withoutRepeats}); optional key {@code phrase_words_once}, false when
 *     absent
 * @param defaultPrompt the GCG prompt used when a request has none
 */
public record GcgConfig(
    String name,
    int imageSize,
    int patchSize,
    int visionHiddenSize,
    int visionLayers,
    int visionHeads,
    int visionIntermediateSize,
    int hiddenSize,
    int layers,
    int heads,
    int intermediateSize,
    int vocabSize,
    double ropeTheta,
    double rmsNormEps,
    int maxPositions,
    int groundingChannels,
    int groundingStride,
    int maskHiddenSize,
    boolean singleRegionMasks,
    boolean phraseGlance,
    boolean phraseWordsOnce,
    String defaultPrompt) {

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  private static final Map<String, String> KEYS = keys();

  /** Keys that may be left out, with the default documented on the record component. */
  private static final Set<String> OPTIONAL_KEYS =
      Set.of("single_region_masks", "phrase_glance", "phrase_words_once");

  /** Validates divisibility and positivity so that a bad config fails at load, not mid-request. */
  public GcgConfig {
    requirePositive("image_size", imageSize);
    requirePositive("patch_size", patchSize);
    if (imageSize % patchSize != 0) {
      throw new ModelLoadException(
          "config.json: image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
    }
    if (visionHiddenSize % visionHeads != 0) {
      throw new ModelLoadException(
          "config.json: vision_hidden_size must be a multiple of vision_heads");
    }
    if (hiddenSize % heads != 0 || (hiddenSize / heads) % 2 != 0) {
      throw new ModelLoadException(
          "config.json: hidden_size / heads must be an even integer (RoPE rotates pairs)");
    }
    if (imageSize % groundingStride != 0) {
      throw new ModelLoadException(
          "config.json: image_size must be a multiple of grounding_stride");
    }
    requirePositive("layers", layers);
    requirePositive("vocab_size", vocabSize);
    requirePositive("max_positions", maxPositions);
  }

  private static void requirePositive(String key, int value) {
    if (value <= 0) {
      throw new ModelLoadException("config.json: " + key + " must be positive, got " + value);
    }
  }

  private static Map<String, String> keys() {
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("name", "name");
    keys.put("image_size", "imageSize");
    keys.put("patch_size", "patchSize");
    keys.put("vision_hidden_size", "visionHiddenSize");
    keys.put("vision_layers", "visionLayers");
    keys.put("vision_heads", "visionHeads");
    keys.put("vision_intermediate_size", "visionIntermediateSize");
    keys.put("hidden_size", "hiddenSize");
    keys.put("layers", "layers");
    keys.put("heads", "heads");
    keys.put("intermediate_size", "intermediateSize");
    keys.put("vocab_size", "vocabSize");
    keys.put("rope_theta", "ropeTheta");
    keys.put("rms_norm_eps", "rmsNormEps");
    keys.put("max_positions", "maxPositions");
    keys.put("grounding_channels", "groundingChannels");
    keys.put("grounding_stride", "groundingStride");
    keys.put("mask_hidden_size", "maskHiddenSize");
    keys.put("single_region_masks", "singleRegionMasks");
    keys.put("phrase_glance", "phraseGlance");
    keys.put("phrase_words_once", "phraseWordsOnce");
    keys.put("default_prompt", "defaultPrompt");
    return keys;
  }

  /** Visual tokens per side of the grid. */
  public int gridSize() {
    return imageSize / patchSize;
  }

  /** Visual tokens in total. */
  public int visualTokens() {
    return gridSize() * gridSize();
  }

  /** LLM head dimension. */
  public int headDim() {
    return hiddenSize / heads;
  }

  /** Side of the grounding feature map. */
  public int groundingSize() {
    return imageSize / groundingStride;
  }

  /** What pruners and FLOPs accounting need. */
  public ModelGeometry geometry() {
    return new ModelGeometry(layers, gridSize(), gridSize(), hiddenSize, intermediateSize);
  }

  /**
   * Parses {@code config.json}. Every key but the optional ones ({@code single_region_masks},
   * {@code phrase_glance}, {@code phrase_words_once}) is required and unknown keys are rejected, so
   * a typo never silently falls back to a default.
   */
  public static GcgConfig parse(String json) {
    JsonObject object;
    try {
      object = JsonParser.parseString(json).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new ModelLoadException("config.json is not a JSON object: " + e.getMessage(), e);
    }
    Set<String> present = object.keySet();
    List<String> unknown = new ArrayList<>();
    for (String key : present) {
      if (!KEYS.containsKey(key) && !key.startsWith("_")) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ModelLoadException(
          "config.json has unknown keys " + unknown + "; known keys: " + KEYS.keySet());
    }
    for (String key : KEYS.keySet()) {
      if (!present.contains(key) && !OPTIONAL_KEYS.contains(key)) {
        throw new ModelLoadException("config.json is missing required key '" + key + "'");
      }
    }
    try {
      return new GcgConfig(
          string(object, "name"),
          integer(object, "image_size"),
          integer(object, "patch_size"),
          integer(object, "vision_hidden_size"),
          integer(object, "vision_layers"),
          integer(object, "vision_heads"),
          integer(object, "vision_intermediate_size"),
          integer(object, "hidden_size"),
          integer(object, "layers"),
          integer(object, "heads"),
          integer(object, "intermediate_size"),
          integer(object, "vocab_size"),
          object.get("rope_theta").getAsDouble(),
          object.get("rms_norm_eps").getAsDouble(),
          integer(object, "max_positions"),
          integer(object, "grounding_channels"),
          integer(object, "grounding_stride"),
          integer(object, "mask_hidden_size"),
          present.contains("single_region_masks") && bool(object, "single_region_masks"),
          present.contains("phrase_glance") && bool(object, "phrase_glance"),
          present.contains("phrase_words_once") && bool(object, "phrase_words_once"),
          string(object, "default_prompt"));
    } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException e) {
      throw new ModelLoadException("config.json has a value of the wrong type: " + e.getMessage());
    }
  }

  private static int integer(JsonObject object, String key) {
    JsonElement element = object.get(key);
    double value = element.getAsDouble();
    if (value != Math.rint(value)) {
      throw new ModelLoadException("config.json: '" + key + "' must be an integer, got " + value);
    }
    return element.getAsInt();
  }

  private static boolean bool(JsonObject object, String key) {
    JsonElement element = object.get(key);
    if (!element.isJsonPrimitive() || !element.getAsJsonPrimitive().isBoolean()) {
      throw new ModelLoadException(
          "config.json: '" + key + "' must be true or false, got " + element);
    }
    return element.getAsBoolean();
  }

  private static String string(JsonObject object, String key) {
    return object.get(key).getAsString();
  }

  /** Serialises with the snake_case keys that {@link #parse} reads. */
  public String toJson() {
    return GSON.toJson(toJsonObject()) + "\n";
  }

  private JsonObject toJsonObject() {
    JsonObject object = new JsonObject();
    object.addProperty("name", name);
    object.addProperty("image_size", imageSize);
    object.addProperty("patch_size", patchSize);
    object.addProperty("vision_hidden_size", visionHiddenSize);
    object.addProperty("vision_layers", visionLayers);
    object.addProperty("vision_heads", visionHeads);
    object.addProperty("vision_intermediate_size", visionIntermediateSize);
    object.addProperty("hidden_size", hiddenSize);
    object.addProperty("layers", layers);
    object.addProperty("heads", heads);
    object.addProperty("intermediate_size", intermediateSize);
    object.addProperty("vocab_size", vocabSize);
    object.addProperty("rope_theta", ropeTheta);
    object.addProperty("rms_norm_eps", rmsNormEps);
    object.addProperty("max_positions", maxPositions);
    object.addProperty("grounding_channels", groundingChannels);
    object.addProperty("grounding_stride", groundingStride);
    object.addProperty("mask_hidden_size", maskHiddenSize);
    object.addProperty("single_region_masks", singleRegionMasks);
    object.addProperty("phrase_glance", phraseGlance);
    object.addProperty("phrase_words_once", phraseWordsOnce);
    object.addProperty("default_prompt", defaultPrompt);
    return object;
  }

  /** A copy with another default prompt (the training data decides it). */
  public GcgConfig withDefaultPrompt(String prompt) {
    JsonObject object = toJsonObject();
    object.addProperty("default_prompt", prompt);
    return parse(GSON.toJson(object));
  }

  /** A copy with another vocabulary size (the tokenizer decides it). */
  public GcgConfig withVocabSize(int newVocabSize) {
    JsonObject object = toJsonObject();
    object.addProperty("vocab_size", newVocabSize);
    return parse(GSON.toJson(object));
  }
}
