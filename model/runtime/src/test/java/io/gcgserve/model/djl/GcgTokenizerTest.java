package io.gcgserve.model.djl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GcgTokenizerTest {

  @Test
  void roundTripsGcgTextWithSpecialTokens() {
    try (GcgTokenizer tokenizer =
        GcgTokenizer.load(GcgTokenizer.buildTokenizerJson(TinyModels.WORDS))) {
      String caption = "there is a <p> small red star </p> [SEG] on the <p> grass </p> [SEG] .";
      int[] ids = tokenizer.encode(caption);
      assertThat(tokenizer.decode(ids)).isEqualTo(caption);
      assertThat(ids[3]).isEqualTo(tokenizer.id(GcgTokenizer.PHRASE_OPEN));
      assertThat(ids[7]).isEqualTo(tokenizer.id(GcgTokenizer.PHRASE_CLOSE));
      assertThat(ids[8]).isEqualTo(tokenizer.id(GcgTokenizer.SEG));
    }
  }

  @Test
  void lowercasesSplitsPunctuationAndMapsUnknownWords() {
    try (GcgTokenizer tokenizer =
        GcgTokenizer.load(GcgTokenizer.buildTokenizerJson(TinyModels.WORDS))) {
      int[] ids = tokenizer.encode("Describe the IMAGE, zebra.");
      assertThat(tokenizer.decode(ids)).isEqualTo("describe the image , <unk> .");
    }
  }
}
