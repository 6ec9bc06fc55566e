package io.gcgserve.eval.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.data.Split;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code --synthetic test} draws its own scenes: none of the first 200 test scenes is among the
 * first 500 val or train scenes (images compared pixel for pixel through their hashes, then
 * captions).
 */
class SyntheticSplitsTest {

  private static Set<String> keys(Split split, int count) {
    SyntheticEvalDataset dataset = new SyntheticEvalDataset(split, 2024, 64, count);
    Set<String> keys = new HashSet<>();
    for (int index = 0; index < count; index++) {
      keys.add(Arrays.hashCode(dataset.image(index).rgb()) + "|" + dataset.truth(index).caption());
    }
    return keys;
  }

  @Test
  void theTestSplitSharesNoSceneWithValOrTrain() {
    Set<String> test = keys(Split.TEST, 200);
    assertThat(test).hasSize(200);
    Set<String> val = keys(Split.VAL, 500);
    Set<String> train = keys(Split.TRAIN, 500);
    assertThat(test).doesNotContainAnyElementsOf(val).doesNotContainAnyElementsOf(train);
    assertThat(new SyntheticEvalDataset(Split.TEST, 2024, 64, 1).id(0))
        .isEqualTo("test_000000.png");
  }
}
