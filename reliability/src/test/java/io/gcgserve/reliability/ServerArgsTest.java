package io.gcgserve.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --server-args}: further flags reach every server; the suite's own are refused. */
class ServerArgsTest {

  @Test
  void theSuitesOwnFlagsAreRefusedBeforeAnythingStarts() {
    assertThat(ReliabilityCommand.reservedFlag(List.of("--prefill-lane", "off"))).isNull();
    assertThat(
            ReliabilityCommand.reservedFlag(List.of("--prefill-lane", "off", "--max-batch", "4")))
        .isEqualTo("--max-batch");
    assertThat(ReliabilityCommand.reservedFlag(List.of("--queue-capacity=2")))
        .isEqualTo("--queue-capacity");

    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new ReliabilityCommand());
    command.setErr(new PrintWriter(err));
    int status =
        command.execute(
            "--root",
            "/nonexistent",
            "--server-args",
            "--prefill-lane off --port 7",
            "--soak-requests",
            "1");
    assertThat(status).isEqualTo(2);
  }

  @Test
  void furtherFlagsFollowTheSuitesOnEveryServer() throws InterruptedException {
    Plan plan = Plan.full(10, 1, List.of("--prefill-lane", "off"));
    try (Suite suite =
        new Suite(
            java.nio.file.Path.of("."), plan, System.out, List.of(), java.nio.file.Path.of("."))) {
      assertThat(suite.serverArgs("--access-log", "x.jsonl"))
          .containsExactly(
              "--max-batch",
              "8",
              "--queue-capacity",
              "8",
              "--access-log",
              "x.jsonl",
              "--prefill-lane",
              "off");
    }
  }
}
