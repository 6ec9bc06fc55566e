package io.gcgserve.eval.ab;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AbReportCommandTest {

  @TempDir Path directory;

  private int run(ByteArrayOutputStream err, String... args) {
    return new CommandLine(new AbReportCommand(new PrintStream(err, true, StandardCharsets.UTF_8)))
        .execute(args);
  }

  @Test
  void writesMarkdownJsonAndPlots() throws Exception {
    Path log =
        new LogLines()
            .normal("fastv-vs-altp", "fastv25", 400, 300, 30, 1)
            .normal("fastv-vs-altp", "altp25", 400, 250, 30, 2)
            .add("fastv-vs-altp", "altp25", 0.5, "CANCELLED", 10)
            .raw("garbage")
            .write(directory.resolve("access.log"));
    Path out = directory.resolve("report");
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int code = run(err, "--log", log.toString(), "--out", out.toString(), "--bootstrap", "300");

    assertThat(code).isZero();
    String markdown = Files.readString(out.resolve("report.md"));
    assertThat(markdown)
        .startsWith("# A/B report: experiment `fastv-vs-altp`")
        .contains("altp25 is faster than fastv25 by ")
        .contains("Malformed lines skipped: 1 (first: line 802")
        .contains("| CANCELLED |")
        .contains("![");
    JsonObject json =
        JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
    assertThat(json.get("experiment").getAsString()).isEqualTo("fastv-vs-altp");
    assertThat(json.get("control").getAsString()).isEqualTo("fastv25");
    assertThat(json.getAsJsonArray("arms")).hasSize(2);
    assertThat(json.getAsJsonObject("log").get("malformed").getAsLong()).isEqualTo(1);
    assertThat(json.getAsJsonArray("differences")).hasSize(LatencyMetric.values().length);
    for (String plot : new String[] {AbCharts.TTFT_CDF, AbCharts.TOTAL_CDF, AbCharts.DIFFERENCES}) {
      BufferedImage image = ImageIO.read(out.resolve(plot).toFile());
      assertThat(image).as(plot).isNotNull();
      assertThat(image.getWidth()).as(plot).isGreaterThan(100);
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("altp25 is faster than fastv25");
  }

  @Test
  void anUnknownExperimentExitsTwoNamingTheOnesThereAre() throws Exception {
    Path log = new LogLines().add("exp", "a", 1.0, "OK", 10).write(directory.resolve("a.log"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        run(err, "--log", log.toString(), "--experiment", "nope", "--out", directory.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("nope is not in the log")
        .contains("exp");
  }

  @Test
  void aMissingLogExitsTwo() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(run(err, "--log", directory.resolve("none.log").toString())).isEqualTo(2);
  }
}
