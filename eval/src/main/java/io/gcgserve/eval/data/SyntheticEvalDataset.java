package io.gcgserve.eval.data;

import io.gcgserve.eval.metrics.LabeledMask;
import io.gcgserve.eval.metrics.PhraseAttributes;
import io.gcgserve.model.data.GranDfWriter;
import io.gcgserve.model.data.Grounding;
import io.gcgserve.model.data.Scene;
import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.SceneVocabulary;
import io.gcgserve.model.data.Split;
import io.gcgserve.pruners.ImageRgb;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Scenes {@code 0..count-1} of a synthetic split, generated on the fly (the same scenes {@code
 * bin/gcg-data} writes for that split and seed).
 */
public final class SyntheticEvalDataset implements EvalDataset {

  private final SceneGenerator generator;
  private final Split split;
  private final long seed;
  private final int count;

  /** Scenes of {@code split} from generator seed {@code seed} at {@code size} pixels. */
  public SyntheticEvalDataset(Split split, long seed, int size, int count) {
    this.generator = new SceneGenerator(seed, size);
    this.split = split;
    this.seed = seed;
    this.count = count;
  }

  @Override
  public String description() {
    return "synthetic "
        + split.name().toLowerCase(Locale.ROOT)
        + " split (seed "
        + seed
        + ", "
        + generator.size()
        + " px)";
  }

  @Override
  public int size() {
    return count;
  }

  @Override
  public String id(int index) {
    return GranDfWriter.fileName(split, index);
  }

  @Override
  public GroundTruth truth(int index) {
    Scene scene = generator.generate(split, index);
    List<LabeledMask> truth = new ArrayList<>();
    for (Grounding grounding : scene.groundings()) {
      truth.add(new LabeledMask(grounding.phrase(), grounding.mask().pixels()));
    }
    return new GroundTruth(scene.plainCaption(), truth);
  }

  @Override
  public ImageRgb image(int index) {
    return generator.generate(split, index).image();
  }

  /** Size, colour, texture and shape of the object phrases. */
  @Override
  public Optional<PhraseAttributes> phraseAttributes() {
    return Optional.of(
        new PhraseAttributes() {
          @Override
          public List<String> names() {
            return SceneVocabulary.ATTRIBUTE_NAMES;
          }

          @Override
          public Optional<List<String>> parse(String phrase) {
            return SceneVocabulary.objectAttributes(phrase);
          }
        });
  }
}
