package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.djl.GcgTokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaptionPhrasesTest {

  private static final GcgTokenizer TOKENIZER =
      GcgTokenizer.load(
          GcgTokenizer.buildTokenizerJson(List.of("a", "red", "blue", "square", "on", "the")));

  private static int[] ids(String caption) {
    return TOKENIZER.encode(caption);
  }

  @Test
  void eachPhraseGoesWithTheFirstSegAfterItsClose() {
    // phrase 0 has mask 0; phrase 1 has no [SEG] before the next </p>; phrase 2 has mask 1
    int[] caption =
        ids("a <p> red square </p> [SEG] on <p> the </p> a <p> blue square </p> [SEG] .");
    List<int[]> spans = new CaptionPhrases(TOKENIZER).phraseSpans(caption);
    assertThat(spans).hasSize(3);
    assertThat(spans.get(0)).containsExactly(1, 4, 0);
    assertThat(spans.get(1)).containsExactly(7, 9, -1);
    assertThat(spans.get(2)).containsExactly(11, 14, 1);
  }

  @Test
  void segPhraseWordsAreThePhraseWordsPerSegAndEmptyForASegWithoutPhrase() {
    int[] caption = ids("[SEG] a <p> red square </p> [SEG] .");
    List<int[]> words = new CaptionPhrases(TOKENIZER).segPhraseWords(caption);
    assertThat(words).hasSize(2);
    assertThat(words.get(0)).isEmpty();
    assertThat(words.get(1)).containsExactly(TOKENIZER.id("red"), TOKENIZER.id("square"));
  }
}
