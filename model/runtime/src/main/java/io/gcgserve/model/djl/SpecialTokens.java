package io.gcgserve.model.djl;

/**
 * Ids of the tokenizer's control tokens that generation acts on, looked up once per model rather
 * than once per token.
 */
record SpecialTokens(int bos, int eos, int phraseOpen, int phraseClose, int seg) {

  /** The ids in {@code tokenizer}. */
  static SpecialTokens of(GcgTokenizer tokenizer) {
    return new SpecialTokens(
        tokenizer.id(GcgTokenizer.BOS),
        tokenizer.id(GcgTokenizer.EOS),
        tokenizer.id(GcgTokenizer.PHRASE_OPEN),
        tokenizer.id(GcgTokenizer.PHRASE_CLOSE),
        tokenizer.id(GcgTokenizer.SEG));
  }
}
