package io.gcgserve.model.data;

import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The closed vocabulary of the synthetic scenes: every word a caption or the prompt can contain, so
 * that a word-level tokenizer covers the data exactly.
 */
public final class SceneVocabulary {

  /** The GCG prompt of the bundled model, in the tokenizer's spelling. */
  public static final String PROMPT =
      "could you please give me a detailed description of the image ? please respond with"
          + " interleaved segmentation masks for the corresponding parts of the answer .";

  /** Opens a grounded phrase in a marked caption; a special token, not in {@link #words()}. */
  public static final String PHRASE_OPEN = "<p>";

  /** Closes a grounded phrase; a special token, not in {@link #words()}. */
  public static final String PHRASE_CLOSE = "</p>";

  /**
   * Follows every closed phrase and asks for its mask; a special token, not in {@link #words()}.
   */
  public static final String SEG = "[SEG]";

  /** Object shapes. */
  public static final List<String> SHAPES =
      List.of("star", "circle", "square", "triangle", "heart", "cross", "ring", "diamond");

  /** Object colours, with their RGB values in {@link #COLOR_VALUES}. */
  public static final List<String> COLORS =
      List.of("red", "green", "blue", "yellow", "purple", "orange", "white", "black");

  /** RGB of each colour in {@link #COLORS}. */
  static final int[] COLOR_VALUES = {
    0xd62828, 0x2a9d3f, 0x1f5fd6, 0xf2d024, 0x8e3cc7, 0xf28c1e, 0xf4f4f4, 0x1c1c1c
  };

  /** Object textures; {@code plain} is not written in captions. */
  public static final List<String> TEXTURES = List.of("plain", "striped", "dotted", "checkered");

  /** Size words by visible area: tiny below 2%, small below 8%, big otherwise. */
  public static final List<String> SIZES = List.of("tiny", "small", "big");

  /** Backgrounds: the first two are tops, the rest grounds (a scene may have one of each). */
  public static final List<String> BACKGROUNDS = List.of("sky", "wall", "grass", "floor", "water");

  /** Words of the caption templates. */
  static final List<String> TEMPLATE_WORDS =
      List.of(
          "there", "is", "are", "a", "and", ",", ".", "on", "the", "under", "image", "shows", "in",
          "front", "of", "we", "can", "see", "above", "below");

  /** The attributes an object phrase names, in {@link #objectAttributes} order. */
  public static final List<String> ATTRIBUTE_NAMES = List.of("size", "colour", "texture", "shape");

  private SceneVocabulary() {}

  /**
   * The size, colour, texture ({@code plain} when the phrase names none) and shape of an object
   * phrase such as {@code tiny red dotted star}; empty for a background or any other phrase.
   */
  public static Optional<List<String>> objectAttributes(String phrase) {
    String[] words = phrase.trim().split("\\s+");
    if (words.length < 3 || words.length > 4) {
      return Optional.empty();
    }
    String texture = words.length == 4 ? words[2] : TEXTURES.get(0);
    if (!SIZES.contains(words[0])
        || !COLORS.contains(words[1])
        || !TEXTURES.subList(words.length == 4 ? 1 : 0, TEXTURES.size()).contains(texture)
        || !SHAPES.contains(words[words.length - 1])) {
      return Optional.empty();
    }
    return Optional.of(List.of(words[0], words[1], texture, words[words.length - 1]));
  }

  /**
   * Every word and punctuation token that a generated caption or {@link #PROMPT} can contain,
   * sorted by {@link String#compareTo}, without the GCG markers ({@link #PHRASE_OPEN}, {@link
   * #PHRASE_CLOSE}, {@link #SEG}); all lowercase, so the tokenizer's lowercasing never merges two
   * entries.
   */
  public static List<String> words() {
    TreeSet<String> words = new TreeSet<>();
    words.addAll(SHAPES);
    words.addAll(COLORS);
    words.addAll(TEXTURES.subList(1, TEXTURES.size()));
    words.addAll(SIZES);
    words.addAll(BACKGROUNDS);
    words.addAll(TEMPLATE_WORDS);
    words.addAll(List.of(PROMPT.split(" ")));
    return List.copyOf(words);
  }
}
