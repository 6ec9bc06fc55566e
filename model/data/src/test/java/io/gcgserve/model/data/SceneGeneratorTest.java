package io.gcgserve.model.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SceneGeneratorTest {

  private static final SceneGenerator GENERATOR = new SceneGenerator(2024, 336);

  @Test
  void sameSeedSplitAndIndexGiveTheSameScene() {
    SceneGenerator other = new SceneGenerator(2024, 336);
    for (int index = 0; index < 20; index++) {
      Scene first = GENERATOR.generate(Split.VAL, index);
      Scene second = other.generate(Split.VAL, index);
      assertThat(second.image().rgb()).isEqualTo(first.image().rgb());
      assertThat(second.caption()).isEqualTo(first.caption());
      assertThat(second.groundings()).isEqualTo(first.groundings());
    }
  }

  @Test
  void everyObjectPhraseParsesIntoItsAttributesAndBackgroundsDoNot() {
    assertThat(SceneVocabulary.objectAttributes("tiny red dotted star"))
        .contains(List.of("tiny", "red", "dotted", "star"));
    assertThat(SceneVocabulary.objectAttributes("big white ring"))
        .contains(List.of("big", "white", "plain", "ring"));
    assertThat(SceneVocabulary.objectAttributes("sky")).isEmpty();
    assertThat(SceneVocabulary.objectAttributes("big plain ring")).isEmpty();
    assertThat(SceneVocabulary.objectAttributes("red tiny star")).isEmpty();
    int objects = 0;
    for (int index = 0; index < 50; index++) {
      for (Grounding grounding : GENERATOR.generate(Split.VAL, index).groundings()) {
        boolean background = SceneVocabulary.BACKGROUNDS.contains(grounding.phrase());
        assertThat(SceneVocabulary.objectAttributes(grounding.phrase()).isPresent())
            .as(grounding.phrase())
            .isNotEqualTo(background);
        objects += background ? 0 : 1;
      }
    }
    assertThat(objects).isGreaterThan(50);
  }

  @Test
  void splitsAndSeedsDrawDifferentScenes() {
    Scene train = GENERATOR.generate(Split.TRAIN, 7);
    Scene val = GENERATOR.generate(Split.VAL, 7);
    Scene test = GENERATOR.generate(Split.TEST, 7);
    Scene otherSeed = new SceneGenerator(2025, 336).generate(Split.VAL, 7);
    assertThat(val.image().rgb()).isNotEqualTo(train.image().rgb());
    assertThat(val.image().rgb()).isNotEqualTo(test.image().rgb());
    assertThat(val.image().rgb()).isNotEqualTo(otherSeed.image().rgb());
  }

  @Test
  void everyPhraseHasANonEmptyMaskOfTheImageSizeAndMasksDoNotOverlap() {
    for (int index = 0; index < 200; index++) {
      Scene scene = GENERATOR.generate(Split.TRAIN, index);
      BitSet union = new BitSet();
      for (Grounding grounding : scene.groundings()) {
        assertThat(grounding.mask().width()).isEqualTo(336);
        assertThat(grounding.mask().height()).isEqualTo(336);
        assertThat(grounding.mask().area()).as(grounding.phrase()).isPositive();
        assertThat(grounding.mask().pixels().length()).isLessThanOrEqualTo(336 * 336);
        assertThat(grounding.mask().pixels().intersects(union)).isFalse();
        union.or(grounding.mask().pixels());
      }
      // objects and backgrounds together cover the whole image: every pixel is named once
      assertThat(union.cardinality()).isEqualTo(336 * 336);
    }
  }

  @Test
  void phraseOffsetsPointIntoThePlainCaptionAndMarkersRemoveToIt() {
    for (int index = 0; index < 200; index++) {
      Scene scene = GENERATOR.generate(Split.TRAIN, index);
      for (Grounding grounding : scene.groundings()) {
        assertThat(scene.plainCaption().substring(grounding.start(), grounding.end()))
            .isEqualTo(grounding.phrase());
      }
      String stripped =
          scene.caption().replace(" <p>", "").replace(" </p> [SEG]", "").replace("<p> ", "");
      assertThat(stripped).isEqualTo(scene.plainCaption());
      assertThat(scene.caption()).doesNotContain("  ");
      int phrases = scene.caption().split("\\[SEG]", -1).length - 1;
      assertThat(phrases).isEqualTo(scene.groundings().size());
    }
  }

  @Test
  void phrasesAreUniqueWithinAScene() {
    for (int index = 0; index < 300; index++) {
      Scene scene = GENERATOR.generate(Split.TEST, index);
      Set<String> phrases = new HashSet<>();
      for (Grounding grounding : scene.groundings()) {
        assertThat(phrases.add(grounding.phrase())).as(scene.caption()).isTrue();
      }
    }
  }

  @Test
  void vocabularyCoversEveryCaptionAndThePrompt() {
    Set<String> vocabulary = new HashSet<>(SceneVocabulary.words());
    Set<String> markers =
        Set.of(SceneVocabulary.PHRASE_OPEN, SceneVocabulary.PHRASE_CLOSE, SceneVocabulary.SEG);
    Set<String> used = new HashSet<>();
    for (Split split : Split.values()) {
      for (int index = 0; index < 150; index++) {
        for (String word : GENERATOR.generate(split, index).caption().split(" ")) {
          if (!markers.contains(word)) {
            assertThat(vocabulary).contains(word);
            used.add(word);
          }
        }
      }
    }
    assertThat(vocabulary).containsAll(List.of(SceneVocabulary.PROMPT.split(" ")));
    assertThat(SceneVocabulary.words()).isSorted().doesNotHaveDuplicates();
    assertThat(SceneVocabulary.words()).allMatch(word -> word.equals(word.toLowerCase()));
    assertThat(SceneVocabulary.words()).doesNotContainAnyElementsOf(markers);
    // every attribute value shows up in a few hundred scenes
    assertThat(used).containsAll(SceneVocabulary.SHAPES).containsAll(SceneVocabulary.COLORS);
    assertThat(used).containsAll(SceneVocabulary.SIZES).containsAll(SceneVocabulary.BACKGROUNDS);
  }

  @Test
  void smallObjectsAreCommonAndObjectCountsSpanOneToEight() {
    int tiny = 0;
    int objects = 0;
    int maxObjects = 0;
    for (int index = 0; index < 300; index++) {
      Scene scene = GENERATOR.generate(Split.TRAIN, index);
      int sceneObjects = 0;
      for (Grounding grounding : scene.groundings()) {
        String first = grounding.phrase().split(" ")[0];
        if (SceneVocabulary.SIZES.contains(first)) {
          sceneObjects++;
          tiny += first.equals("tiny") || first.equals("small") ? 1 : 0;
        }
      }
      assertThat(sceneObjects).isBetween(1, 8);
      objects += sceneObjects;
      maxObjects = Math.max(maxObjects, sceneObjects);
    }
    assertThat((double) tiny / objects).isGreaterThan(0.5);
    assertThat(maxObjects).isGreaterThanOrEqualTo(6);
  }

  @Test
  void imageSizeIsConfigurable() {
    Scene scene = new SceneGenerator(1, 96).generate(Split.VAL, 0);
    assertThat(scene.image().width()).isEqualTo(96);
    assertThat(scene.image().height()).isEqualTo(96);
    assertThat(scene.groundings()).allMatch(g -> g.mask().width() == 96 && g.mask().area() > 0);
  }
}
