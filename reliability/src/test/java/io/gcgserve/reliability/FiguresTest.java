package io.gcgserve.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The parsing and arithmetic behind the result lines. */
class FiguresTest {

  @Test
  void prometheusTextSumsSamplesWhoseLabelsMatch() {
    PrometheusText text =
        PrometheusText.parse(
            """
            # HELP gcg_requests_total Requests.
            # TYPE gcg_requests_total counter
            gcg_requests_total{arm="none",pruner="none",status="OK"} 7.0
            gcg_requests_total{arm="none",pruner="altp",status="OK"} 3.0
            gcg_requests_total{arm="none",pruner="none",status="RESOURCE_EXHAUSTED"} 144.0
            gcg_requests_in_flight 2.0
            jvm_memory_used_bytes{area="heap"} 1.048576E8
            """);
    assertThat(text.sum("gcg_requests_total", "status", "OK")).isEqualTo(10);
    assertThat(text.sum("gcg_requests_total")).isEqualTo(154);
    assertThat(text.sum("gcg_requests_total", "pruner", "none", "status", "OK")).isEqualTo(7);
    assertThat(text.sum("gcg_requests_in_flight")).isEqualTo(2);
    assertThat(text.sum("jvm_memory_used_bytes", "area", "heap")).isEqualTo(104857600);
    assertThat(text.sum("gcg_requests_total", "status", "CANCELLED")).isZero();
  }

  @Test
  void procStatusFieldsAreRead() {
    String status = "Name:\tjava\nVmRSS:\t  812344 kB\nThreads:\t57\n";
    assertThat(ServerProcess.procField(status, "VmRSS:")).hasValue(812344);
    assertThat(ServerProcess.procField(status, "Threads:")).hasValue(57);
    assertThat(ServerProcess.procField(status, "VmSwap:")).isEmpty();
  }

  @Test
  void quantilesUseTheNearestRankAndSkipNaN() {
    List<Double> values = List.of(5.0, 1.0, Double.NaN, 3.0, 2.0, 4.0);
    assertThat(Stats.quantile(values, 0.5)).isEqualTo(3.0);
    assertThat(Stats.quantile(values, 0.99)).isEqualTo(5.0);
    assertThat(Stats.quantile(List.of(), 0.5)).isNaN();
  }

  @Test
  void theSlopeIsTheLeastSquaresOne() {
    assertThat(Stats.slope(new double[] {0, 1, 2, 3}, new double[] {1, 3, 5, 7})).isEqualTo(2.0);
    assertThat(Stats.slope(new double[] {1}, new double[] {1})).isNaN();
  }
}
