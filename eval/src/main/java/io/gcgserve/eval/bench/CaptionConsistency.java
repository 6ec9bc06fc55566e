package io.gcgserve.eval.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.NullMarked;

/**
 * Checks that greedy decoding does not depend on load: every successful caption of one (pruner,
 * image) must have the same text, whatever the concurrency it ran at and however often it ran.
 */
@NullMarked
final class CaptionConsistency {

  private static final int SHOWN_CHARS = 60;

  /** (pruner, image) -> text -> the concurrencies it was seen at. */
  private final Map<String, Map<Integer, Map<String, List<Integer>>>> seen = new TreeMap<>();

  /** Records one successful caption. */
  void add(String pruner, int concurrency, int image, String text) {
    List<Integer> levels =
        seen.computeIfAbsent(pruner, key -> new TreeMap<>())
            .computeIfAbsent(image, key -> new LinkedHashMap<>())
            .computeIfAbsent(text, key -> new ArrayList<>());
    if (!levels.contains(concurrency)) {
      levels.add(concurrency);
    }
  }

  /** Number of (pruner, image) pairs with at least one caption. */
  int pairs() {
    return seen.values().stream().mapToInt(Map::size).sum();
  }

  /** One line per (pruner, image) with more than one distinct text; empty when all agree. */
  List<String> mismatches() {
    List<String> lines = new ArrayList<>();
    seen.forEach(
        (pruner, images) ->
            images.forEach(
                (image, texts) -> {
                  if (texts.size() > 1) {
                    List<String> variants = new ArrayList<>();
                    texts.forEach(
                        (text, levels) ->
                            variants.add("c=" + levels + " \"" + shorten(text) + "\""));
                    lines.add(
                        "pruner "
                            + pruner
                            + ", image "
                            + image
                            + ": "
                            + texts.size()
                            + " texts: "
                            + String.join(" vs ", variants));
                  }
                }));
    return lines;
  }

  /**
   * The one text per (pruner, image), or the first seen where they differ; for cross-server use.
   */
  Map<String, String> canonicalTexts() {
    Map<String, String> texts = new TreeMap<>();
    seen.forEach(
        (pruner, images) ->
            images.forEach(
                (image, variants) ->
                    texts.put(pruner + " image " + image, variants.keySet().iterator().next())));
    return texts;
  }

  /**
   * One line per (pruner, image) whose caption on this server differs from {@code other}'s (both
   * taken from {@link #canonicalTexts}); pairs only one side ran are skipped.
   */
  List<String> differencesFrom(CaptionConsistency other, String label, String otherLabel) {
    Map<String, String> theirs = other.canonicalTexts();
    List<String> lines = new ArrayList<>();
    canonicalTexts()
        .forEach(
            (pair, text) -> {
              String their = theirs.get(pair);
              if (their != null && !their.equals(text)) {
                lines.add(
                    "pruner "
                        + pair
                        + ": "
                        + label
                        + " \""
                        + shorten(text)
                        + "\" vs "
                        + otherLabel
                        + " \""
                        + shorten(their)
                        + "\"");
              }
            });
    return lines;
  }

  private static String shorten(String text) {
    String flat = text.replace('\n', ' ');
    return flat.length() <= SHOWN_CHARS ? flat : flat.substring(0, SHOWN_CHARS) + "...";
  }
}
