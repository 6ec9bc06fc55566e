package io.gcgserve.eval.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gcgserve.model.djl.GcgModels;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code gcg-eval --quick} end to end on the real bundled checkpoint, as CI runs it, held to the
 * scores recorded for that checkpoint in {@code bundled-quick-scores.json}: every metric may fall
 * at most 10% below its recorded value, so a broken mask path, tokenizer, pruner or checkpoint
 * fails, while the run stays deterministic enough (greedy, CPU) that a pass is not luck.
 */
class BundledModelQuickEvalTest {

  /** The largest relative drop below a recorded score that still passes. */
  private static final double TOLERATED_DROP = 0.10;

  private static final List<String> METRICS =
      List.of("meteor_exact", "cider", "ap50", "miou", "recall");

  @TempDir Path out;

  @Test
  void quickRunOnTheBundledModelKeepsItsRecordedScores() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8);
    int status =
        new CommandLine(new EvalCommand(() -> GcgModels.loadBundled("cpu"), progress))
            .execute("--synthetic", "val", "--quick", "--out", out.toString());
    assertThat(status).as(log.toString(StandardCharsets.UTF_8)).isZero();

    JsonObject results =
        JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
    Map<String, JsonObject> measured = new HashMap<>();
    for (JsonElement configuration : results.getAsJsonArray("configurations")) {
      JsonObject object = configuration.getAsJsonObject();
      measured.put(object.get("id").getAsString(), object);
    }
    JsonObject recorded = recordedScores().getAsJsonObject("configurations");
    assertThat(measured.keySet()).containsExactlyInAnyOrderElementsOf(recorded.keySet());
    for (String id : recorded.keySet()) {
      JsonObject expected = recorded.getAsJsonObject(id);
      JsonObject actual = measured.get(id);
      assertThat(actual.get("flops_ratio").getAsDouble())
          .as("%s flops_ratio", id)
          .isCloseTo(expected.get("flops_ratio").getAsDouble(), within(1e-9));
      for (String metric : METRICS) {
        double floor = expected.get(metric).getAsDouble() * (1.0 - TOLERATED_DROP);
        assertThat(actual.get(metric).getAsDouble())
            .as("%s %s (recorded %s)", id, metric, expected.get(metric))
            .isGreaterThanOrEqualTo(floor);
      }
    }
    assertThat(Files.readString(out.resolve("results.md"))).contains("| FastV |");
  }

  private static JsonObject recordedScores() throws Exception {
    try (InputStream in =
        Objects.requireNonNull(
            BundledModelQuickEvalTest.class.getResourceAsStream("bundled-quick-scores.json"),
            "bundled-quick-scores.json is missing")) {
      return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .getAsJsonObject();
    }
  }
}
