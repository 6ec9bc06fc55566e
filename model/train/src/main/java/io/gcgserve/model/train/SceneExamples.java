package io.gcgserve.model.train;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.data.Grounding;
import io.gcgserve.model.data.Scene;
import io.gcgserve.model.data.SceneGenerator;
import io.gcgserve.model.data.SceneVocabulary;
import io.gcgserve.model.data.Split;
import java.util.ArrayList;
import java.util.List;

/** Training examples from the synthetic scene generator's training split. */
public final class SceneExamples {

  private final long seed;

  /** Scenes of the training split of generator seed {@code seed}. */
  public SceneExamples(long seed) {
    this.seed = seed;
  }

  /** Words of the data (captions and prompt) for the tokenizer. */
  public List<String> vocabulary() {
    return SceneVocabulary.words();
  }

  /** The prompt the model is trained with. */
  public String prompt() {
    return SceneVocabulary.PROMPT;
  }

  /** A source rendering scenes at {@code size} pixels. */
  public ExampleSource scaledTo(int size) {
    SceneGenerator generator = new SceneGenerator(seed, size);
    return index -> example(generator.generate(Split.TRAIN, index));
  }

  /** Converts a scene into a training example. */
  public static TrainingExample example(Scene scene) {
    List<BinaryMask> masks = new ArrayList<>();
    for (Grounding grounding : scene.groundings()) {
      masks.add(grounding.mask());
    }
    return new TrainingExample(scene.image(), scene.caption(), masks);
  }
}
