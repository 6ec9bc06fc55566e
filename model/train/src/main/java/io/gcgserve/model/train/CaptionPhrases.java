package io.gcgserve.model.train;

import io.gcgserve.model.djl.GcgTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Finds the grounded phrases of a tokenized GCG caption, so that the batch builder can tell which
 * targets lie inside a phrase and which mask each phrase's words go with.
 */
final class CaptionPhrases {

  private final int phraseOpen;
  private final int phraseClose;
  private final int seg;

  /** Reads the ids of {@code <p>}, {@code </p>} and {@code [SEG]} from {@code tokenizer}. */
  CaptionPhrases(GcgTokenizer tokenizer) {
    Objects.requireNonNull(tokenizer, "tokenizer is null");
    this.phraseOpen = tokenizer.id(GcgTokenizer.PHRASE_OPEN);
    this.phraseClose = tokenizer.id(GcgTokenizer.PHRASE_CLOSE);
    this.seg = tokenizer.id(GcgTokenizer.SEG);
  }

  /**
   * Each phrase of a caption as {@code {index of <p>, index of </p>, mask index}}, the mask index
   * being that of the first {@code [SEG]} after the phrase's {@code </p>} and before the next
   * {@code </p>}, or -1 when there is none.
   */
  List<int[]> phraseSpans(int[] caption) {
    List<int[]> spans = new ArrayList<>();
    int start = -1;
    int segs = 0;
    int[] pending = null;
    for (int j = 0; j < caption.length; j++) {
      if (caption[j] == phraseOpen) {
        start = j;
      } else if (caption[j] == phraseClose && start >= 0) {
        pending = new int[] {start, j, -1};
        spans.add(pending);
        start = -1;
      } else if (caption[j] == seg) {
        if (pending != null) {
          pending[2] = segs;
          pending = null;
        }
        segs++;
      }
    }
    return spans;
  }

  /**
   * For each {@code [SEG]} of a caption, in order (so index k goes with mask k), the word ids of
   * the phrase closed by the last {@code </p>} before it; empty when no phrase precedes it.
   */
  List<int[]> segPhraseWords(int[] caption) {
    List<int[]> phrases = new ArrayList<>();
    for (int token : caption) {
      if (token == seg) {
        phrases.add(new int[0]);
      }
    }
    for (int[] span : phraseSpans(caption)) {
      if (span[2] >= 0) {
        phrases.set(span[2], Arrays.copyOfRange(caption, span[0] + 1, span[1]));
      }
    }
    return phrases;
  }
}
