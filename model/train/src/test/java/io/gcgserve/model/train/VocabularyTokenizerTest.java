package io.gcgserve.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.SceneVocabulary;
import io.gcgserve.model.data.Split;
import io.gcgserve.model.djl.GcgTokenizer;
import org.junit.jupiter.api.Test;

class VocabularyTokenizerTest {

  @Test
  void aTokenizerBuiltFromTheVocabularyNeverSeesAnUnknownWord() {
    SceneGenerator generator = new SceneGenerator(2024, 336);
    try (GcgTokenizer tokenizer =
        GcgTokenizer.load(GcgTokenizer.buildTokenizerJson(SceneVocabulary.words()))) {
      int unknown = tokenizer.id(GcgTokenizer.UNK);
      for (int index = 0; index < 100; index++) {
        for (int id : tokenizer.encode(generator.generate(Split.TRAIN, index).caption())) {
          assertThat(id).isNotEqualTo(unknown);
        }
      }
      for (int id : tokenizer.encode(SceneVocabulary.PROMPT)) {
        assertThat(id).isNotEqualTo(unknown);
      }
    }
  }
}
