package io.gcgserve.eval.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gcgserve.model.djl.GcgModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gcg-eval --quick} end to end on the real bundled checkpoint, as CI runs it. */
class BundledModelQuickEvalTest {

  @TempDir Path out;

  @Test
  void quickRunOnTheBundledModelGroundsTheScenes() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8);
    int status =
        new CommandLine(new EvalCommand(() -> GcgModels.loadBundled("cpu"), progress))
            .execute("--synthetic", "val", "--quick", "--out", out.toString());
    assertThat(status).as(log.toString(StandardCharsets.UTF_8)).isZero();

    JsonObject results =
        JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
    JsonObject unpruned = results.getAsJsonArray("configurations").get(0).getAsJsonObject();
    assertThat(unpruned.get("pruner").getAsString()).isEqualTo("none");
    // loose floors: the bundled model grounds most scenes (its scores are in the top README), while
    // a broken mask path, tokenizer or checkpoint scores near 0
    assertThat(unpruned.get("miou").getAsDouble()).isGreaterThan(0.3);
    assertThat(unpruned.get("meteor_exact").getAsDouble()).isGreaterThan(0.2);
    assertThat(Files.readString(out.resolve("results.md"))).contains("| FastV |");
  }
}
