package io.gcgserve.pruners.ranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AttentionRankingTest {

  @Test
  void keepsHighestScoresInIndexOrder() {
    int[] kept =
        AttentionRanking.topTokens(
            new int[] {3, 7, 9, 12}, new float[] {0.1f, 0.9f, 0.5f, 0.7f}, 2);
    assertThat(kept).containsExactly(7, 12);
  }

  @Test
  void breaksTiesByLowerGridIndex() {
    int[] kept =
        AttentionRanking.topTokens(new int[] {9, 4, 6, 1}, new float[] {1f, 1f, 1f, 1f}, 2);
    assertThat(kept).containsExactly(1, 4);
  }

  @Test
  void ranksNanLast() {
    int[] kept =
        AttentionRanking.topTokens(new int[] {0, 1, 2}, new float[] {Float.NaN, 0f, -1f}, 2);
    assertThat(kept).containsExactly(1, 2);
  }

  @Test
  void ratioRoundsHalfUpAndKeepsAtLeastOne() {
    KeepBudget budget = new KeepBudget(0.5, null);
    assertThat(budget.keepCount(576)).isEqualTo(288);
    assertThat(budget.keepCount(5)).isEqualTo(3);
    assertThat(new KeepBudget(0.001, null).keepCount(576)).isEqualTo(1);
    assertThat(new KeepBudget(null, 1000).keepCount(576)).isEqualTo(576);
  }

  @Test
  void rejectsBothRatioAndTokens() {
    assertThatThrownBy(
            () ->
                KeepBudget.parse(
                    "x",
                    Map.of("keep_ratio", "0.5", "keep_tokens", "10"),
                    KeepBudget.ratioSpec(0.5),
                    KeepBudget.tokensSpec(),
                    576))
        .hasMessageContaining("either 'keep_ratio' or 'keep_tokens', not both");
  }
}
