package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gcgserve.harness.PrometheusText;
import org.junit.jupiter.api.Test;

class HistogramDeltaTest {

  private static final String NAME = "gcg_cancellation_release_seconds";

  private static PrometheusText scrape(
      double le005, double le01, double le025, double le1, double inf, double sum) {
    return PrometheusText.parse(
        String.join(
            "\n",
            "# TYPE gcg_cancellation_release_seconds histogram",
            NAME + "_bucket{le=\"0.05\"} " + le005,
            NAME + "_bucket{le=\"0.1\"} " + le01,
            NAME + "_bucket{le=\"0.25\"} " + le025,
            NAME + "_bucket{le=\"1.0\"} " + le1,
            NAME + "_bucket{le=\"+Inf\"} " + inf,
            NAME + "_count " + inf,
            NAME + "_sum " + sum,
            "other_bucket{le=\"0.1\"} 99",
            ""));
  }

  @Test
  void subtractsTheEarlierScrapeBucketByBucket() {
    PrometheusText before = scrape(2, 3, 3, 4, 4, 0.9);
    PrometheusText after = scrape(8, 11, 12, 14, 14, 3.4);
    HistogramDelta delta = HistogramDelta.between(before, after, NAME).orElseThrow();
    assertThat(delta.count()).isEqualTo(10);
    assertThat(delta.sum()).isCloseTo(2.5, within(1e-9));
    assertThat(delta.mean()).isCloseTo(0.25, within(1e-9));
    assertThat(delta.cumulative())
        .containsEntry(0.05, 6.0)
        .containsEntry(0.1, 8.0)
        .containsEntry(0.25, 9.0)
        .containsEntry(1.0, 10.0)
        .containsEntry(Double.POSITIVE_INFINITY, 10.0);
    assertThat(delta.shareAtMost(0.1)).isCloseTo(0.8, within(1e-9));
    assertThat(delta.shareAtMost(0.05)).isCloseTo(0.6, within(1e-9));
    assertThat(delta.largestNonEmptyBound()).isEqualTo(1.0);
  }

  @Test
  void observationsOnlyBeforeTheFirstScrapeDoNotCount() {
    PrometheusText before = scrape(0, 0, 0, 0, 5, 60);
    PrometheusText after = scrape(1, 1, 1, 1, 6, 60.02);
    HistogramDelta delta = HistogramDelta.between(before, after, NAME).orElseThrow();
    assertThat(delta.count()).isEqualTo(1);
    assertThat(delta.shareAtMost(0.1)).isEqualTo(1.0);
    assertThat(delta.largestNonEmptyBound()).isEqualTo(0.05);
  }

  @Test
  void onlyTheOverflowBucketGivesInfinity() {
    PrometheusText before = scrape(0, 0, 0, 0, 0, 0);
    PrometheusText after = scrape(0, 0, 0, 0, 2, 30);
    HistogramDelta delta = HistogramDelta.between(before, after, NAME).orElseThrow();
    assertThat(delta.shareAtMost(0.1)).isZero();
    assertThat(delta.largestNonEmptyBound()).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void labelSetsOtherThanLeAreSummed() {
    PrometheusText before = PrometheusText.empty();
    PrometheusText after =
        PrometheusText.parse(
            String.join(
                "\n",
                NAME + "_bucket{le=\"0.1\",arm=\"a\"} 1",
                NAME + "_bucket{le=\"+Inf\",arm=\"a\"} 2",
                NAME + "_bucket{le=\"0.1\",arm=\"b\"} 3",
                NAME + "_bucket{le=\"+Inf\",arm=\"b\"} 3",
                NAME + "_count{arm=\"a\"} 2",
                NAME + "_count{arm=\"b\"} 3",
                ""));
    HistogramDelta delta = HistogramDelta.between(before, after, NAME).orElseThrow();
    assertThat(delta.count()).isEqualTo(5);
    assertThat(delta.shareAtMost(0.1)).isCloseTo(0.8, within(1e-9));
    assertThat(delta.largestNonEmptyBound()).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void nothingObservedGivesNaN() {
    PrometheusText same = scrape(1, 2, 3, 4, 5, 1);
    HistogramDelta delta = HistogramDelta.between(same, same, NAME).orElseThrow();
    assertThat(delta.count()).isZero();
    assertThat(delta.shareAtMost(0.1)).isNaN();
    assertThat(delta.largestNonEmptyBound()).isNaN();
    assertThat(delta.mean()).isNaN();
  }

  @Test
  void aBoundTheHistogramLacksGivesNaN() {
    HistogramDelta delta =
        HistogramDelta.between(PrometheusText.empty(), scrape(1, 1, 1, 1, 1, 0.01), NAME)
            .orElseThrow();
    assertThat(delta.shareAtMost(0.5)).isNaN();
  }

  @Test
  void absentWhenTheServerDoesNotExportIt() {
    PrometheusText scrape = PrometheusText.parse("gcg_requests_in_flight 1\n");
    assertThat(HistogramDelta.between(scrape, scrape, NAME)).isEmpty();
  }
}
