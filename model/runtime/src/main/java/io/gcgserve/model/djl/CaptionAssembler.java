package io.gcgserve.model.djl;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.TokenDelta;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The caption of one generation as it grows: its text, the character span of the phrase being
 * written between {@code <p>} and {@code </p>}, and the grounded phrases so far. Kept apart from
 * the model so that the session's steps are about arrays and this class is about text.
 */
final class CaptionAssembler {

  private final GcgTokenizer tokenizer;
  private final SpecialTokens special;
  private final StringBuilder caption = new StringBuilder();
  private final List<GroundedPhrase> phrases = new ArrayList<>();
  private boolean phraseIsOpen;

  /** The word tokens of the open phrase so far. */
  private final BitSet phraseWords = new BitSet();

  private int phraseStart = -1;
  private int phraseEnd = -1;

  /** The span {start, end} of the last closed phrase not yet grounded, or null. */
  private int @Nullable [] closedPhrase;

  CaptionAssembler(GcgTokenizer tokenizer, SpecialTokens special) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer is null");
    this.special = Objects.requireNonNull(special, "special is null");
  }

  /** Appends token {@code tokenId}, the {@code index}-th generated, and returns its text delta. */
  TokenDelta append(int index, int tokenId) {
    String word = tokenizer.token(tokenId);
    String delta = caption.length() == 0 ? word : " " + word;
    int wordStart = caption.length() + delta.length() - word.length();
    caption.append(delta);
    if (tokenId == special.phraseOpen()) {
      phraseIsOpen = true;
      phraseWords.clear();
      phraseStart = -1;
      phraseEnd = -1;
    } else if (tokenId == special.phraseClose()) {
      if (phraseIsOpen && phraseStart >= 0) {
        closedPhrase = new int[] {phraseStart, phraseEnd};
      }
      phraseIsOpen = false;
    } else if (tokenId != special.seg() && phraseIsOpen) {
      phraseWords.set(tokenId);
      if (phraseStart < 0) {
        phraseStart = wordStart;
      }
      phraseEnd = caption.length();
    }
    return new TokenDelta(index, tokenId, delta);
  }

  /** Whether a {@code <p>} is open: the next word is part of a phrase. */
  boolean phraseIsOpen() {
    return phraseIsOpen;
  }

  /**
   * {@code logits} with every word the open phrase already holds ruled out (a copy; the argument is
   * returned as is outside a phrase), so that no word comes twice in one phrase (config {@code
   * phrase_words_once}). The bundled model's phrases name an object by size, colour, texture and
   * shape, one word each; the glance can make a word repeat ("tiny tiny blue star", MODEL_CARD.md),
   * which this decoding rule stops.
   */
  float[] withoutRepeats(float[] logits) {
    if (!phraseIsOpen || phraseWords.isEmpty()) {
      return logits;
    }
    float[] scores = logits.clone();
    for (int word = phraseWords.nextSetBit(0); word >= 0; word = phraseWords.nextSetBit(word + 1)) {
      scores[word] = Float.NEGATIVE_INFINITY;
    }
    return scores;
  }

  /**
   * Grounds the last closed phrase with {@code mask} and returns it; a {@code [SEG]} with no phrase
   * before it grounds an empty span at the marker.
   */
  GroundedPhrase ground(BinaryMask mask) {
    int start;
    int end;
    if (closedPhrase != null) {
      start = closedPhrase[0];
      end = closedPhrase[1];
    } else {
      start = caption.length();
      end = caption.length();
    }
    closedPhrase = null;
    GroundedPhrase phrase =
        new GroundedPhrase(phrases.size(), caption.substring(start, end).trim(), start, end, mask);
    phrases.add(phrase);
    return phrase;
  }

  /** The caption text so far. */
  String text() {
    return caption.toString();
  }

  /** The grounded phrases so far, in order. */
  List<GroundedPhrase> phrases() {
    return List.copyOf(phrases);
  }
}
