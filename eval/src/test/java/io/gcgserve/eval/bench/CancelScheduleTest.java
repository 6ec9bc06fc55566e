package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CancelScheduleTest {

  private static final CancelSchedule.Range RANGE = new CancelSchedule.Range(20, 400);

  @Test
  void sameSeedGivesTheSamePlan() {
    List<CancelSchedule.Probe> first = CancelSchedule.plan(7, 60, RANGE);
    assertThat(first).hasSize(60).isEqualTo(CancelSchedule.plan(7, 60, RANGE));
  }

  @Test
  void anotherSeedDrawsOtherTimes() {
    assertThat(CancelSchedule.plan(1, 60, RANGE)).isNotEqualTo(CancelSchedule.plan(2, 60, RANGE));
  }

  @Test
  void timesStayInTheInclusiveRangeAndReachBothEnds() {
    CancelSchedule.Range narrow = new CancelSchedule.Range(5, 7);
    List<Long> times =
        CancelSchedule.plan(3, 300, narrow).stream().map(CancelSchedule.Probe::millis).toList();
    assertThat(times).allMatch(millis -> millis >= 5 && millis <= 7).contains(5L, 6L, 7L);
  }

  @Test
  void halfEndByDeadlineAndHalfByClientCancelInTurn() {
    List<CancelSchedule.Probe> plan = CancelSchedule.plan(1, 6, RANGE);
    assertThat(plan)
        .extracting(CancelSchedule.Probe::mode)
        .containsExactly(
            CancelSchedule.Mode.DEADLINE,
            CancelSchedule.Mode.CLIENT_CANCEL,
            CancelSchedule.Mode.DEADLINE,
            CancelSchedule.Mode.CLIENT_CANCEL,
            CancelSchedule.Mode.DEADLINE,
            CancelSchedule.Mode.CLIENT_CANCEL);
    assertThat(plan).extracting(CancelSchedule.Probe::index).containsExactly(0, 1, 2, 3, 4, 5);
  }

  @Test
  void aLongerPlanStartsWithTheShorterOne() {
    assertThat(CancelSchedule.plan(9, 80, RANGE).subList(0, 20))
        .isEqualTo(CancelSchedule.plan(9, 20, RANGE));
  }

  @Test
  void parsesRanges() {
    assertThat(CancelSchedule.Range.parse("20..400")).isEqualTo(RANGE);
    assertThat(CancelSchedule.Range.parse(" 50 .. 60 "))
        .isEqualTo(new CancelSchedule.Range(50, 60));
    assertThat(CancelSchedule.Range.parse("100")).isEqualTo(new CancelSchedule.Range(100, 100));
    assertThat(RANGE).hasToString("20..400");
  }

  @Test
  void rejectsBadRanges() {
    assertThatThrownBy(() -> CancelSchedule.Range.parse("400..20"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CancelSchedule.Range.parse("0..20"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CancelSchedule.Range.parse("20-400"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("20-400");
    assertThatThrownBy(() -> CancelSchedule.plan(1, -1, RANGE))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
