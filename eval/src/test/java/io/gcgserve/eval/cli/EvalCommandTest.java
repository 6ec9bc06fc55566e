package io.gcgserve.eval.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.eval.OracleCaptionerAccess;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.data.Split;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EvalCommandTest {

  @TempDir Path temp;

  private int run(GroundedCaptioner captioner, ByteArrayOutputStream log, String... args) {
    PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8);
    return new CommandLine(new EvalCommand(() -> captioner, progress)).execute(args);
  }

  @Test
  void quickRunWritesTablesAndPlotAndResumesWithoutRedoingWork() throws Exception {
    AtomicInteger generations = new AtomicInteger();
    Path out = temp.resolve("quick");
    String[] args = {"--synthetic", "val", "--quick", "--out", out.toString()};
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    assertThat(run(OracleCaptionerAccess.create(64, Split.VAL, 8, generations), log, args))
        .isZero();
    // 8 images x (none, fastv@0.1)
    assertThat(generations.get()).isEqualTo(16);
    String markdown = Files.readString(out.resolve("results.md"));
    assertThat(markdown).contains("| Upper bound | - |").contains("| FastV |");
    assertThat(markdown).contains("Retain 4 tokens (90% reduction)");
    assertThat(Files.size(out.resolve("pareto.png"))).isPositive();
    assertThat(Files.readString(out.resolve("results.json")))
        .contains("\"ap50\"", "\"grounding_errors\"", "\"near_misses\"");
    assertThat(markdown)
        .contains("## Where the predicted masks go", "| Duplicate | Near miss | Miss |");
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("ETA");

    // a second run finds everything done
    assertThat(run(OracleCaptionerAccess.create(64, Split.VAL, 8, generations), log, args))
        .isZero();
    assertThat(generations.get()).isEqualTo(16);
    assertThat(withoutTiming(Files.readString(out.resolve("results.md"))))
        .isEqualTo(withoutTiming(markdown));

    // an interrupted run (last line torn) redoes exactly the torn prediction
    Path predictions = out.resolve("predictions.jsonl");
    List<String> lines = Files.readAllLines(predictions);
    String last = lines.get(lines.size() - 1);
    lines.set(lines.size() - 1, last.substring(0, last.length() / 2));
    Files.write(predictions, lines);
    assertThat(run(OracleCaptionerAccess.create(64, Split.VAL, 8, generations), log, args))
        .isZero();
    assertThat(generations.get()).isEqualTo(17);
    assertThat(Files.readAllLines(predictions)).hasSize(16);
  }

  @Test
  void explicitFlagsWinOverTheQuickPreset() throws Exception {
    AtomicInteger generations = new AtomicInteger();
    Path out = temp.resolve("quick-explicit");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    int status =
        run(
            OracleCaptionerAccess.create(64, Split.VAL, 3, generations),
            log,
            "--synthetic",
            "val",
            "--quick",
            "--limit",
            "3",
            "--pruners",
            "none,pdrop",
            "--keep-ratios",
            "0.25",
            "--out",
            out.toString());
    assertThat(status).as(log.toString(StandardCharsets.UTF_8)).isZero();
    // 3 images x (none, pdrop@0.25): the preset's 8 images, fastv and 0.1 are not used
    assertThat(generations.get()).isEqualTo(6);
    String markdown = Files.readString(out.resolve("results.md"));
    assertThat(markdown).contains("| PDrop |").doesNotContain("| FastV |");
    assertThat(markdown).contains("(75% reduction)").doesNotContain("(90% reduction)");
    assertThat(log.toString(StandardCharsets.UTF_8))
        .contains("gcg-eval: --quick: 3 image(s), pruners none,pdrop, keep ratios 0.25");
  }

  @Test
  void rejectsKeepRatiosOutsideTheOpenUnitInterval() {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    GroundedCaptioner unused = OracleCaptionerAccess.create(64, Split.VAL, 1, new AtomicInteger());
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CommandLine command = new CommandLine(new EvalCommand(() -> unused, new PrintStream(log)));
    command.setErr(new java.io.PrintWriter(err, true));
    int status =
        command.execute(
            "--synthetic", "val", "--quick", "--keep-ratios", "0.1,1", "--out", temp.toString());
    assertThat(status).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--keep-ratios must lie in (0, 1), got 1.0");
  }

  @Test
  void twoWorkersWriteTheSamePredictionsAndTablesAsOne() throws Exception {
    AtomicInteger generations = new AtomicInteger();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Path one = temp.resolve("one-worker");
    Path two = temp.resolve("two-workers");
    String[] common = {"--synthetic", "val", "--quick", "--limit", "6", "--pruners", "none,fastv"};
    assertThat(
            run(
                OracleCaptionerAccess.create(64, Split.VAL, 6, generations),
                log,
                concat(common, "--out", one.toString())))
        .isZero();
    assertThat(
            run(
                OracleCaptionerAccess.create(64, Split.VAL, 6, generations),
                log,
                concat(common, "--workers", "2", "--out", two.toString())))
        .as(log.toString(StandardCharsets.UTF_8))
        .isZero();
    assertThat(generations.get()).isEqualTo(24);
    assertThat(log.toString(StandardCharsets.UTF_8)).contains(", 2 workers");
    assertThat(withoutTiming(Files.readString(two.resolve("results.md"))))
        .isEqualTo(withoutTiming(Files.readString(one.resolve("results.md"))));
    assertThat(Files.readAllLines(two.resolve("predictions.jsonl")).stream().sorted().toList())
        .isEqualTo(Files.readAllLines(one.resolve("predictions.jsonl")).stream().sorted().toList());
  }

  @Test
  void rejectsAnUnknownGlanceScopeAndTooFewWorkers() {
    GroundedCaptioner unused = OracleCaptionerAccess.create(64, Split.VAL, 1, new AtomicInteger());
    for (String[] bad :
        List.of(new String[] {"--glance", "pruned"}, new String[] {"--workers", "0"})) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      CommandLine command =
          new CommandLine(
              new EvalCommand(() -> unused, new PrintStream(new ByteArrayOutputStream())));
      command.setErr(new java.io.PrintWriter(err, true));
      int status =
          command.execute(
              concat(
                  new String[] {"--synthetic", "val", "--quick"},
                  concat(bad, "--out", temp.toString())));
      assertThat(status).isEqualTo(CommandLine.ExitCode.USAGE);
      assertThat(err.toString(StandardCharsets.UTF_8))
          .contains(
              bad[0].equals("--glance")
                  ? "--glance must be all or kept, not 'pruned'"
                  : "--workers must be at least 1, got 0");
    }
  }

  private static String[] concat(String[] first, String... more) {
    String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
    System.arraycopy(more, 0, all, first.length, more.length);
    return all;
  }

  private static String withoutTiming(String markdown) {
    return markdown.replaceAll("this invocation took [0-9.]+ s", "");
  }

  @Test
  void unprunedOracleScoresPerfectlyAndPruningCostsGrounding() throws Exception {
    Path out = temp.resolve("full");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    int status =
        run(
            OracleCaptionerAccess.create(64, Split.VAL, 4, new AtomicInteger()),
            log,
            "--synthetic",
            "val",
            "--limit",
            "4",
            "--pruners",
            "none,fastv,pdrop,altp",
            "--keep-ratios",
            "0.25,0.5",
            "--ablation",
            "--sensitivity",
            "--additions",
            "--secondary-protocol",
            "--bootstrap",
            "200",
            "--out",
            out.toString());
    assertThat(status).as(log.toString(StandardCharsets.UTF_8)).isZero();
    String markdown = Files.readString(out.resolve("results.md"));
    // the oracle without pruning returns the ground truth: AP50, mIoU, recall 100, and every
    // resample of it too
    assertThat(markdown)
        .containsPattern(
            "\\| Upper bound \\| - \\| 36\\.0 \\| 100\\.0% \\| [0-9.]+ \\| [0-9.]+ \\|"
                + " 100\\.0 \\[100\\.0, 100\\.0\\] \\| 100\\.0 \\[100\\.0, 100\\.0\\] \\|");
    // equal FLOPs first (the default), PDrop solved to fewer tokens, then the equal-token table
    assertThat(markdown)
        .contains("## Table 1: pruners at equal FLOPs")
        .contains("## Table 1 (secondary): pruners by retained visual tokens")
        .containsPattern("\\| PDrop \\| keep_tokens=[0-9]+ \\|")
        .containsPattern(
            "- ALTP, 9 tokens \\(equal FLOPs\\) vs FastV, 9 tokens \\(equal FLOPs\\):"
                + " AP50 [-+][0-9.]+ \\(95% CI [-+][0-9.]+ to [-+][0-9.]+\\)");
    assertThat(markdown)
        .contains("## ALTP additions, one at a time")
        .contains("| ALTP as the paper states it |")
        .contains("| tau=0.25 |");
    assertThat(Files.readString(out.resolve("results.json")))
        .contains("\"protocol\": \"equal-flops\"", "\"differences\"", "\"flops_target\"");
    assertThat(markdown).contains("| PDrop |").contains("| ALTP |");
    assertThat(markdown).contains("## Table 3").contains("| Only DDC |");
    assertThat(markdown).contains("## Table 4").contains("| N=3 |").contains("| C=10 |");
    assertThat(Files.size(out.resolve("pareto.png"))).isPositive();
  }

  @Test
  void rejectsGivingBothOrNeitherDataSource() {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    GroundedCaptioner unused = OracleCaptionerAccess.create(64, Split.VAL, 1, new AtomicInteger());
    assertThat(run(unused, log, "--out", temp.toString())).isNotZero();
    assertThat(run(unused, log, "--synthetic", "val", "--data", "x", "--out", temp.toString()))
        .isNotZero();
  }
}
