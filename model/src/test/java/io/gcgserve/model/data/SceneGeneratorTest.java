package io.gcgserve.model.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.djl.GcgTokenizer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SceneGeneratorTest {

  private final SceneGenerator generator = new SceneGenerator(7, 96);

  @Test
  void sameSeedSplitAndIndexGiveIdenticalScenes() {
    Scene first = generator.generate(Split.VAL, 3);
    Scene again = new SceneGenerator(7, 96).generate(Split.VAL, 3);
    assertThat(again.caption()).isEqualTo(first.caption());
    assertThat(again.image().rgb()).isEqualTo(first.image().rgb());
    for (int i = 0; i < first.groundings().size(); i++) {
      assertThat(again.groundings().get(i).mask().pixels())
          .isEqualTo(first.groundings().get(i).mask().pixels());
    }
  }

  @Test
  void splitsDrawDifferentScenes() {
    assertThat(generator.generate(Split.TRAIN, 0).image().rgb())
        .isNotEqualTo(generator.generate(Split.VAL, 0).image().rgb());
  }

  @Test
  void everyPhraseHasANonEmptyMaskAndMasksDoNotOverlap() {
    for (int index = 0; index < 60; index++) {
      Scene scene = generator.generate(Split.TRAIN, index);
      java.util.BitSet union = new java.util.BitSet();
      for (Grounding grounding : scene.groundings()) {
        assertThat(grounding.mask().area()).as(grounding.phrase()).isPositive();
        assertThat(grounding.mask().width()).isEqualTo(96);
        assertThat(union.intersects(grounding.mask().pixels())).isFalse();
        union.or(grounding.mask().pixels());
      }
      // objects and backgrounds together cover the image: nothing visible is left uncaptioned
      assertThat(union.cardinality()).isEqualTo(96 * 96);
    }
  }

  @Test
  void phraseOffsetsPointAtThePhrasesInThePlainCaption() {
    for (int index = 0; index < 60; index++) {
      Scene scene = generator.generate(Split.TEST, index);
      Set<String> phrases = new HashSet<>();
      for (Grounding grounding : scene.groundings()) {
        assertThat(scene.plainCaption().substring(grounding.start(), grounding.end()))
            .isEqualTo(grounding.phrase());
        assertThat(phrases.add(grounding.phrase())).as("unique phrase").isTrue();
      }
      String stripped = scene.caption().replace("<p> ", "").replace(" </p> [SEG]", "");
      assertThat(stripped).isEqualTo(scene.plainCaption());
      long segs = List.of(scene.caption().split(" ")).stream().filter("[SEG]"::equals).count();
      assertThat(segs).isEqualTo(scene.groundings().size());
    }
  }

  @Test
  void objectSizesSpanTinyToBigAndScenesHoldOneToEightObjects() {
    Set<String> sizes = new HashSet<>();
    int most = 0;
    for (int index = 0; index < 200; index++) {
      Scene scene = new SceneGenerator(1, 336).generate(Split.TRAIN, index);
      int objects = 0;
      for (Grounding grounding : scene.groundings()) {
        String first = grounding.phrase().split(" ")[0];
        if (SceneVocabulary.SIZES.contains(first)) {
          sizes.add(first);
          objects++;
        }
      }
      assertThat(objects).isBetween(1, 8);
      most = Math.max(most, objects);
    }
    assertThat(sizes).containsExactlyInAnyOrder("tiny", "small", "big");
    assertThat(most).isGreaterThanOrEqualTo(6);
  }

  @Test
  void theVocabularyCoversEveryCaptionAndThePrompt() {
    try (GcgTokenizer tokenizer =
        GcgTokenizer.load(GcgTokenizer.buildTokenizerJson(SceneVocabulary.words()))) {
      int unknown = tokenizer.id(GcgTokenizer.UNK);
      for (int index = 0; index < 200; index++) {
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
