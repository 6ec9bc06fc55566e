package io.gcgserve.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SLO parsing and judging, the workload file and flags, and their error messages. */
class SloAndWorkloadTest {

  @TempDir Path directory;

  private static RequestRecord record(String outcome, Double ttft, double e2e, List<Double> gaps) {
    return new RequestRecord(
        0,
        "c",
        "none",
        "1.0",
        "none",
        "none",
        null,
        "a.png",
        0,
        0,
        "OK",
        outcome,
        null,
        ttft,
        ttft,
        null,
        null,
        e2e,
        e2e,
        gaps,
        null,
        gaps.size() + 1,
        0,
        ServerFigures.of(null, null),
        null,
        "");
  }

  @Test
  void aRequestIsGoodWhenItFinishedAndMeetsEveryTerm() {
    Slo slo = Slo.parse("ttft=400ms,itl_p95=60ms,e2e=3s");
    assertThat(slo.describe()).isEqualTo("ttft=400ms,itl_p95=60ms,e2e=3000ms");
    List<Double> gaps = List.of(10.0, 20.0, 30.0, 40.0, 50.0, 55.0, 20.0, 20.0, 20.0, 20.0);
    assertThat(slo.met(record(RequestRecord.OK, 399.0, 2000, gaps))).isTrue();
    assertThat(slo.met(record(RequestRecord.OK, 401.0, 2000, gaps))).isFalse();
    assertThat(slo.met(record(RequestRecord.OK, 100.0, 3001, gaps))).isFalse();
    assertThat(slo.met(record(RequestRecord.OK, 100.0, 2000, List.of(10.0, 61.0)))).isFalse();
    assertThat(slo.met(record(RequestRecord.ERROR, 100.0, 2000, gaps))).isFalse();
    assertThat(slo.met(record(RequestRecord.CANCELLED, 100.0, 2000, gaps))).isFalse();
    assertThat(slo.met(record(RequestRecord.OK, null, 2000, List.of()))).isFalse();
    assertThat(Slo.NONE.met(record(RequestRecord.OK, 1e9, 1e9, gaps))).isTrue();
  }

  @Test
  void badSlosSayWhatToWrite() {
    assertThatThrownBy(() -> Slo.parse("latency=3s")).hasMessageContaining("unknown: use ttft");
    assertThatThrownBy(() -> Slo.parse("ttft")).hasMessageContaining("write KEY=DURATION");
    assertThatThrownBy(() -> Slo.parse("ttft=fast")).hasMessageContaining("is not a duration");
  }

  @Test
  void theMixFlagFormParses() {
    MixEntry entry = MixEntry.parse("altp@0.25+ttft=400ms/reject*2");
    assertThat(entry.label()).isEqualTo("altp@0.25+ttft<=400ms/reject");
    assertThat(entry.weightOrOne()).isEqualTo(2);
    assertThat(entry.keepRatio()).isEqualTo("0.25");
    assertThat(MixEntry.parse("exp:ab").label()).isEqualTo("exp:ab");
    assertThat(MixEntry.parse("none").label()).isEqualTo("none");
    assertThatThrownBy(() -> MixEntry.parse("@0.1")).hasMessageContaining("names no pruner");
    assertThatThrownBy(() -> BudgetSpec.parse("joules=3"))
        .hasMessageContaining("flops, tokens or ttft");
    assertThatThrownBy(() -> BudgetSpec.parse("flops=1.5")).hasMessageContaining("(0, 1]");
  }

  @Test
  void aYamlFileOverridesDefaultsAndExplicitFlagsOverrideTheFile() throws Exception {
    Path file = directory.resolve("w.yaml");
    Files.writeString(
        file,
        String.join(
            "\n",
            "rate: 3.5",
            "duration: 45s",
            "cancel_share: 0.1",
            "mix:",
            "  - {pruner: fastv, params: {keep_ratio: '0.25'}, weight: 2}",
            "  - {experiment: fastv-vs-altp-25}",
            "  - {name: budgeted, pruner: altp, budget: {max_flops_ratio: 0.4}}",
            ""));
    Workload workload = Workload.resolve(defaults(), file, Set.of("duration"));
    assertThat(workload.rate()).isEqualTo(3.5);
    assertThat(workload.duration()).isEqualTo("20s");
    assertThat(workload.cancelShare()).isEqualTo(0.1);
    assertThat(workload.mix())
        .extracting(MixEntry::label)
        .containsExactly("fastv@0.25", "exp:fastv-vs-altp-25", "budgeted");
    assertThat(workload.mix().get(2).budgetTier()).isEqualTo("flops<=0.4");
  }

  @Test
  void badWorkloadsNameWhatToFix() throws Exception {
    Path file = directory.resolve("bad.yaml");
    Files.writeString(file, "rate: -1\n");
    assertThatThrownBy(() -> Workload.resolve(defaults(), file, Set.of()))
        .hasMessageContaining("rate must be > 0");
    Files.writeString(file, "rates: 2\n");
    assertThatThrownBy(() -> Workload.resolve(defaults(), file, Set.of()))
        .hasMessageContaining("rates");
    Files.writeString(file, "mix: [{experiment: ab, pruner: altp}]\n");
    assertThatThrownBy(() -> Workload.resolve(defaults(), file, Set.of()))
        .hasMessageContaining("the arm chooses it");
    Files.writeString(file, "warmup: 30s\n");
    assertThatThrownBy(() -> Workload.resolve(defaults(), file, Set.of()))
        .hasMessageContaining("must be shorter than duration");
  }

  private static ObjectNode defaults() {
    ObjectNode node = Workload.json().createObjectNode();
    node.put("arrival", "poisson");
    node.put("rate", 1.0);
    node.put("burstiness", 1.0);
    node.put("concurrency", 1);
    node.put("duration", "20s");
    node.put("requests", 0);
    node.put("warmup", "0s");
    node.put("synthetic", 4);
    node.putArray("mix").add(Workload.json().valueToTree(MixEntry.parse("none")));
    node.put("subjects", 10);
    node.put("max_tokens", 0);
    node.put("deadline", "60s");
    node.put("cancel_share", 0.0);
    node.put("max_in_flight", 16);
    node.put("seed", 1);
    return node;
  }
}
