package io.gcgserve.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command as documented, over TCP against the double: {@code --target HOST:PORT --rate R
 * --duration D --out DIR} writes summary.json with TTFT and ITL percentiles and the achieved rate,
 * and every other file; {@code compare A B} compares two such runs.
 */
class CommandTest {

  @TempDir Path directory;

  @Test
  void theDocumentedInvocationWritesTheSummaryAndTheReport() throws Exception {
    try (ScriptedServer server =
        new ScriptedServer(
                (request, call) ->
                    ScriptedServer.Script.steady(
                        request.getPruner().getName().equals("altp") ? 150 : 30, 3, 6))
            .startOnPort()) {
      String target = "localhost:" + server.port();
      Path a = directory.resolve("a");
      Path b = directory.resolve("b");
      assertThat(
              run(
                  "--target",
                  target,
                  "--rate",
                  "10",
                  "--duration",
                  "2s",
                  "--out",
                  a.toString(),
                  "--synthetic",
                  "3",
                  "--quiet"))
          .isZero();
      assertThat(
              run(
                  "--target",
                  target,
                  "--rate",
                  "10",
                  "--duration",
                  "2s",
                  "--out",
                  b.toString(),
                  "--synthetic",
                  "3",
                  "--quiet",
                  "--mix",
                  "altp@0.25",
                  "--slo",
                  "ttft=400ms,itl_p95=60ms,e2e=3s"))
          .isZero();

      JsonNode summary = new ObjectMapper().readTree(a.resolve("summary.json").toFile());
      assertThat(summary.path("schema").asText()).isEqualTo(Summary.SCHEMA);
      assertThat(summary.path("run").path("target_rate").asDouble()).isEqualTo(10);
      assertThat(summary.path("run").path("achieved_rate").asDouble()).isBetween(9.0, 11.0);
      assertThat(summary.path("overall").path("requests").asInt()).isEqualTo(20);
      for (String key : new String[] {"p50", "p90", "p99", "p99.9", "max"}) {
        assertThat(summary.path("overall").path("ttft_ms").path("corrected").path(key).asDouble())
            .isBetween(29.0, 3000.0);
        assertThat(summary.path("overall").path("itl_ms").path(key).asDouble())
            .isBetween(0.0, 3000.0);
      }
      assertThat(summary.path("quality").path("by_config").has("none")).isTrue();
      for (String file :
          new String[] {
            "requests.jsonl",
            "ttft.hlog",
            "itl.hlog",
            "e2e-sent.hlog",
            "ttft-cdf.png",
            "itl-cdf.png",
            "ttft-vs-rate.png",
            "goodput-vs-rate.png",
            "flops-vs-ttft.png",
            "report.html",
            "scenes/annotations.json"
          }) {
        assertThat(a.resolve(file)).isRegularFile();
      }
      String html = Files.readString(a.resolve("report.html"));
      assertThat(html).contains("data:image/png;base64,").doesNotContain("src=\"ttft");
      assertThat(Outputs.readRecords(a)).hasSize(20);

      JsonNode slo = new ObjectMapper().readTree(b.resolve("summary.json").toFile());
      assertThat(slo.path("slo").asText()).isEqualTo("ttft=400ms,itl_p95=60ms,e2e=3000ms");
      assertThat(slo.path("overall").path("good_share").asDouble()).isEqualTo(1.0);

      JsonNode compared =
          CompareCommand.compare(Outputs.readRecords(a), Outputs.readRecords(b), 500, 1);
      JsonNode ttft = compared.path("groups").path("all").get(0);
      assertThat(ttft.path("metric").asText()).isEqualTo("ttft_p50_ms");
      assertThat(ttft.path("difference").asDouble()).isBetween(60.0, 250.0);
      assertThat(ttft.path("verdict").asText()).startsWith("B is slower than A by");
    }
  }

  @Test
  void repeatedRunsAndTheCapacitySearchWriteTheirSummaries() throws Exception {
    // the double holds up to about 20/s: every stream takes 100 ms, and at most 2 are in flight
    try (ScriptedServer server =
        new ScriptedServer((request, call) -> ScriptedServer.Script.steady(40, 10, 7))
            .startOnPort()) {
      String target = "localhost:" + server.port();
      Path runs = directory.resolve("runs");
      assertThat(
              run(
                  "--target",
                  target,
                  "--rate",
                  "8",
                  "--duration",
                  "1s",
                  "--runs",
                  "2",
                  "--out",
                  runs.toString(),
                  "--synthetic",
                  "2",
                  "--quiet",
                  "--no-quality"))
          .isZero();
      JsonNode summary = new ObjectMapper().readTree(runs.resolve("summary.json").toFile());
      assertThat(summary.path("runs").path("runs").asInt()).isEqualTo(2);
      assertThat(summary.path("runs").path("ttft_p50_ms").path("values")).hasSize(2);
      assertThat(summary.path("overall").path("requests").asInt()).isEqualTo(16);
      assertThat(runs.resolve("run-1/summary.json")).isRegularFile();
      assertThat(runs.resolve("run-2/requests.jsonl")).isRegularFile();

      Path search = directory.resolve("search");
      assertThat(
              run(
                  "--target",
                  target,
                  "--find-max-rate",
                  "--rate",
                  "4",
                  "--warmup",
                  "0.5s",
                  "--search-window",
                  "1s",
                  "--search-windows",
                  "3",
                  "--search-steps",
                  "3",
                  "--max-in-flight",
                  "2",
                  "--slo",
                  "ttft=150ms",
                  "--out",
                  search.toString(),
                  "--synthetic",
                  "2",
                  "--quiet",
                  "--no-quality"))
          .isZero();
      JsonNode capacity =
          new ObjectMapper().readTree(search.resolve("summary.json").toFile()).path("capacity");
      JsonNode steps = capacity.path("mix").path("steps");
      assertThat(steps).hasSize(3);
      assertThat(steps.get(0).path("rate").asDouble()).isEqualTo(4);
      assertThat(steps.get(0).path("pass").asBoolean()).isTrue();
      // 32/s cannot pass with two streams of 100 ms in flight
      assertThat(capacity.path("mix").path("max_rate").asDouble()).isBetween(4.0, 16.0);
      assertThat(search.resolve("report.md")).isRegularFile();
    }
  }

  @Test
  void anUnreachableTargetAndBadFlagsExitWithUsageErrors() {
    assertThat(run("--target", "localhost:1", "--out", directory.toString(), "--quiet"))
        .isEqualTo(2);
    assertThat(run("--target", "localhost:1", "--out", directory.toString(), "--slo", "x=1s"))
        .isEqualTo(2);
  }

  private static int run(String... args) {
    return new CommandLine(new LoadTestCommand()).execute(args);
  }
}
