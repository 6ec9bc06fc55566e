package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CaptionConsistencyTest {

  @Test
  void identicalTextsAtEveryConcurrencyAgree() {
    CaptionConsistency check = new CaptionConsistency();
    check.add("none", 1, 0, "a red star");
    check.add("none", 4, 0, "a red star");
    check.add("none", 4, 1, "a blue disc");
    check.add("altp", 1, 0, "a star");
    assertThat(check.mismatches()).isEmpty();
    assertThat(check.pairs()).isEqualTo(3);
  }

  @Test
  void listsEachPairWhoseTextDependsOnLoad() {
    CaptionConsistency check = new CaptionConsistency();
    check.add("none", 1, 3, "a red star");
    check.add("none", 8, 3, "a red star and");
    check.add("none", 2, 3, "a red star");
    check.add("altp", 8, 3, "same");
    check.add("altp", 1, 3, "same");
    assertThat(check.mismatches())
        .containsExactly(
            "pruner none, image 3: 2 texts: c=[1, 2] \"a red star\" vs c=[8] \"a red star and\"");
  }

  @Test
  void aRepeatAtTheSameConcurrencyMustAgreeToo() {
    CaptionConsistency check = new CaptionConsistency();
    check.add("none", 2, 0, "one");
    check.add("none", 2, 0, "two");
    assertThat(check.mismatches()).hasSize(1);
  }

  @Test
  void comparesCaptionsWithAnotherServer() {
    CaptionConsistency current = new CaptionConsistency();
    CaptionConsistency baseline = new CaptionConsistency();
    current.add("none", 1, 0, "same");
    baseline.add("none", 4, 0, "same");
    current.add("none", 1, 1, "new text");
    baseline.add("none", 1, 1, "old text");
    current.add("altp", 1, 0, "only here");
    assertThat(current.differencesFrom(baseline, "current", "baseline"))
        .containsExactly("pruner none image 1: current \"new text\" vs baseline \"old text\"");
  }
}
