package io.gcgserve.model.djl;

import java.util.Locale;

/**
 * What the phrase glance ({@link PhraseGlance}) may read once a pruner has dropped visual tokens.
 *
 * <p>The glance reads the grounding features, which no pruner touches, so with {@link #ALL} the
 * words of a phrase partly depend on image positions whose visual tokens were pruned. {@link #KEPT}
 * confines it to the positions whose tokens survived the whole prefill: the text then sees the
 * image only through the kept tokens' positions, as in GLaMM, where the LLM's visual tokens are the
 * text's only view of the image. Unpruned requests are the same under both.
 */
public enum GlanceScope {
  /** The glance reads the whole image (how the bundled model was trained; the serving default). */
  ALL,
  /** The glance reads only positions whose visual token was kept to the end of prefill. */
  KEPT;

  /** Parses {@code all} or {@code kept}, case-insensitively. */
  public static GlanceScope parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "all" -> ALL;
      case "kept" -> KEPT;
      default ->
          throw new IllegalArgumentException(
              "glance scope must be all or kept, not '" + text + "'");
    };
  }

  /** The lower-case name that {@link #parse} reads. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
