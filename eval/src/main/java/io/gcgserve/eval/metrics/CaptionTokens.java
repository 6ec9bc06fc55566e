package io.gcgserve.eval.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Caption tokenisation for CIDEr and METEOR, close to what pycocoevalcap's PTB tokenizer yields:
 * lowercase, GCG markers ({@code <p>}, {@code </p>}, {@code [SEG]}) removed, words split on
 * anything that is not a letter, digit or apostrophe, punctuation dropped.
 */
public final class CaptionTokens {

  private CaptionTokens() {}

  /** The words of {@code caption}. */
  public static List<String> of(String caption) {
    String cleaned =
        plain(caption).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}']+", " ").trim();
    List<String> words = new ArrayList<>();
    if (cleaned.isEmpty()) {
      return words;
    }
    for (String word : cleaned.split(" ")) {
      if (!word.isEmpty()) {
        words.add(word);
      }
    }
    return words;
  }

  /**
   * {@code caption} without GCG markers, single-spaced: {@code a <p> red star </p> [SEG] .} becomes
   * {@code a red star .}.
   */
  public static String plain(String caption) {
    return caption
        .replace("<p>", " ")
        .replace("</p>", " ")
        .replace("[SEG]", " ")
        .trim()
        .replaceAll("\\s+", " ");
  }
}
