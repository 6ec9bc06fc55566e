package io.gcgserve.model.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The phrase bookkeeping behind {@code phrase_words_once}. */
class CaptionAssemblerTest {

  @Test
  void aWordOfTheOpenPhraseIsRuledOutUntilThePhraseCloses() {
    GcgTokenizer tokenizer = GcgTokenizer.load(GcgTokenizer.buildTokenizerJson(TinyModels.WORDS));
    SpecialTokens special = SpecialTokens.of(tokenizer);
    CaptionAssembler caption = new CaptionAssembler(tokenizer, special);
    int small = tokenizer.id("small");
    int red = tokenizer.id("red");
    int star = tokenizer.id("star");
    float[] logits = new float[tokenizer.vocabularySize()];
    Arrays.fill(logits, 1f);

    caption.append(0, tokenizer.id("a"));
    assertThat(caption.withoutRepeats(logits)).as("outside a phrase").isSameAs(logits);
    caption.append(1, special.phraseOpen());
    assertThat(caption.withoutRepeats(logits)).as("an empty phrase").isSameAs(logits);
    caption.append(2, small);
    caption.append(3, red);
    float[] scores = caption.withoutRepeats(logits);
    assertThat(scores[small]).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(scores[red]).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(scores[star]).isEqualTo(1f);
    assertThat(scores[special.phraseClose()]).isEqualTo(1f);
    assertThat(logits[small]).as("the caller's logits are not touched").isEqualTo(1f);

    caption.append(4, star);
    caption.append(5, special.phraseClose());
    caption.append(6, special.seg());
    assertThat(caption.withoutRepeats(logits)).as("after the phrase").isSameAs(logits);
    caption.append(7, special.phraseOpen());
    caption.append(8, star);
    float[] next = caption.withoutRepeats(logits);
    assertThat(next[small]).as("a new phrase may use the last one's words").isEqualTo(1f);
    assertThat(next[star]).isEqualTo(Float.NEGATIVE_INFINITY);
    tokenizer.close();
  }
}
