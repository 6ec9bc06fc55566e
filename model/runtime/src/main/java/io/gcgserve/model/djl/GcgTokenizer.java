package io.gcgserve.model.djl;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gcgserve.model.ModelLoadException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The model's tokenizer: an HF {@code tokenizer.json} (word-level, lowercase, whitespace and
 * punctuation split) loaded with DJL's HuggingFace tokenizers, plus the ids of the special tokens
 * the model relies on.
 *
 * <p>Decoding does not go through the native tokenizer: generated text is the generated words
 * joined by single spaces, which is exactly how the training captions are written, so that phrase
 * offsets computed while streaming match the final caption.
 */
public final class GcgTokenizer implements AutoCloseable {

  /** Padding, never attended to by real tokens. */
  public static final String PAD = "<pad>";

  /** Unknown word. */
  public static final String UNK = "<unk>";

  /** Begin of sequence. */
  public static final String BOS = "<bos>";

  /** End of sequence: generation stops here. */
  public static final String EOS = "<eos>";

  /** Placeholder for the visual tokens; never embedded, replaced by the projector's output. */
  public static final String IMAGE = "<image>";

  /** Ends the prompt; the last prompt token whose attention ranks visual tokens. */
  public static final String ANSWER = "<answer>";

  /** Opens a grounded phrase. */
  public static final String PHRASE_OPEN = "<p>";

  /** Closes a grounded phrase. */
  public static final String PHRASE_CLOSE = "</p>";

  /** Asks for the mask of the phrase just closed. */
  public static final String SEG = "[SEG]";

  /** Special tokens, in id order; words follow. */
  public static final List<String> SPECIAL_TOKENS =
      List.of(PAD, UNK, BOS, EOS, IMAGE, ANSWER, PHRASE_OPEN, PHRASE_CLOSE, SEG);

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  private final HuggingFaceTokenizer tokenizer;
  private final String[] vocabulary;
  private final Map<String, Integer> ids;

  private GcgTokenizer(HuggingFaceTokenizer tokenizer, String[] vocabulary) {
    this.tokenizer = tokenizer;
    this.vocabulary = vocabulary;
    this.ids = new HashMap<>();
    for (int i = 0; i < vocabulary.length; i++) {
      ids.put(vocabulary[i], i);
    }
    for (String special : SPECIAL_TOKENS) {
      if (!ids.containsKey(special)) {
        throw new ModelLoadException("tokenizer.json lacks the special token " + special);
      }
    }
  }

  /** Loads {@code tokenizer.json} contents. */
  public static GcgTokenizer load(byte[] tokenizerJson) {
    String[] vocabulary = readVocabulary(tokenizerJson);
    try {
      HuggingFaceTokenizer tokenizer =
          HuggingFaceTokenizer.newInstance(
              new ByteArrayInputStream(tokenizerJson),
              Map.of("addSpecialTokens", "false", "tokenizer", "gcg"));
      return new GcgTokenizer(tokenizer, vocabulary);
    } catch (IOException | RuntimeException e) {
      throw new ModelLoadException("tokenizer.json could not be loaded: " + e.getMessage(), e);
    }
  }

  private static String[] readVocabulary(byte[] tokenizerJson) {
    JsonObject vocab;
    try {
      JsonObject root =
          JsonParser.parseString(new String(tokenizerJson, StandardCharsets.UTF_8))
              .getAsJsonObject();
      vocab = root.getAsJsonObject("model").getAsJsonObject("vocab");
    } catch (RuntimeException e) {
      throw new ModelLoadException("tokenizer.json has no model.vocab object", e);
    }
    String[] vocabulary = new String[vocab.size()];
    for (Map.Entry<String, JsonElement> entry : vocab.entrySet()) {
      int id = entry.getValue().getAsInt();
      if (id < 0 || id >= vocabulary.length || vocabulary[id] != null) {
        throw new ModelLoadException("tokenizer.json vocab ids must be 0..n-1 without gaps");
      }
      vocabulary[id] = entry.getKey();
    }
    return vocabulary;
  }

  /**
   * Builds the contents of a word-level {@code tokenizer.json}: the special tokens first, then
   * {@code words} in the given order (duplicates dropped).
   */
  public static byte[] buildTokenizerJson(Collection<String> words) {
    LinkedHashSet<String> all = new LinkedHashSet<>(SPECIAL_TOKENS);
    all.addAll(words);
    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("truncation", null);
    root.add("padding", null);
    JsonArray added = new JsonArray();
    int id = 0;
    JsonObject vocab = new JsonObject();
    for (String token : all) {
      if (SPECIAL_TOKENS.contains(token)) {
        JsonObject special = new JsonObject();
        special.addProperty("id", id);
        special.addProperty("content", token);
        special.addProperty("single_word", false);
        special.addProperty("lstrip", false);
        special.addProperty("rstrip", false);
        special.addProperty("normalized", false);
        special.addProperty("special", true);
        added.add(special);
      }
      vocab.addProperty(token, id++);
    }
    root.add("added_tokens", added);
    JsonObject normalizer = new JsonObject();
    normalizer.addProperty("type", "Lowercase");
    root.add("normalizer", normalizer);
    JsonObject preTokenizer = new JsonObject();
    preTokenizer.addProperty("type", "Whitespace");
    root.add("pre_tokenizer", preTokenizer);
    root.add("post_processor", null);
    root.add("decoder", null);
    JsonObject model = new JsonObject();
    model.addProperty("type", "WordLevel");
    model.add("vocab", vocab);
    model.addProperty("unk_token", UNK);
    root.add("model", model);
    return (GSON.toJson(root) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Encodes text (special tokens written literally, e.g. {@code [SEG]}, are recognised). */
  public int[] encode(String text) {
    long[] encoded = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[encoded.length];
    for (int i = 0; i < encoded.length; i++) {
      out[i] = (int) encoded[i];
    }
    return out;
  }

  /**
   * The ids that follow the visual tokens before the answer: the prompt's words, then {@code
   * <answer>}. Generation and training both use it, so they see the same layout: {@code [BOS]
   * [visual tokens] [prompt ids]}.
   */
  public int[] promptIds(String prompt) {
    int[] words = encode(prompt);
    int[] ids = java.util.Arrays.copyOf(words, words.length + 1);
    ids[words.length] = id(ANSWER);
    return ids;
  }

  /** The token text of {@code id}. */
  public String token(int id) {
    return vocabulary[id];
  }

  /** Id of a token; throws for tokens not in the vocabulary. */
  public int id(String token) {
    Integer id = ids.get(token);
    if (id == null) {
      throw new IllegalArgumentException("token not in vocabulary: " + token);
    }
    return id;
  }

  /** Vocabulary size. */
  public int vocabularySize() {
    return vocabulary.length;
  }

  /** Joins the given ids' tokens with single spaces, the caption convention. */
  public String decode(int[] tokenIds) {
    List<String> words = new ArrayList<>(tokenIds.length);
    for (int id : tokenIds) {
      words.add(vocabulary[id]);
    }
    return String.join(" ", words);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
