package io.gcgserve.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The child process's life, driven by stand-in launchers that are shell scripts. */
class ServerProcessTest {

  @TempDir Path root;

  private final ByteArrayOutputStream progressBytes = new ByteArrayOutputStream();
  private final PrintStream progress = new PrintStream(progressBytes, true, StandardCharsets.UTF_8);

  @Test
  void readsFieldsOfProcStatus() {
    String status = "Name:\tjava\nVmPeak:\t 9999 kB\nVmRSS:\t  123456 kB\nThreads:\t40\n";
    assertThat(ServerProcess.procStatusField(status, "VmRSS:")).hasValue(123456);
    assertThat(ServerProcess.procStatusField(status, "Threads:")).hasValue(40);
    // a zombie's status has no VmRSS line
    assertThat(ServerProcess.procStatusField("Name:\tjava\nState:\tZ (zombie)\n", "VmRSS:"))
        .isEmpty();
  }

  @Test
  void refusesARootWithoutTheLauncher() {
    assertThatThrownBy(
            () -> ServerProcess.launch("test", "nothing", root, List.of(), Map.of(), progress))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no executable " + root.resolve("bin/gcg-serve"));
  }

  @Test
  void aServerThatExitsFailsTheWaitWithItsOutputAndArguments() throws Exception {
    launcher("echo \"args: $*\"; echo \"GCG_JAVA_OPTS=$GCG_JAVA_OPTS\"; exit 2");
    try (ServerProcess server =
        ServerProcess.launch(
            "test",
            "exits",
            root,
            List.of("--workers", "1"),
            Map.of("GCG_JAVA_OPTS", "-Xmx1g"),
            progress)) {
      assertThatThrownBy(() -> server.awaitServing(Duration.ofSeconds(30), progress))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("exited with status 2 before SERVING")
          .hasMessageContaining("args: --port " + server.port() + " --metrics-port ")
          .hasMessageContaining("--workers 1")
          .hasMessageContaining("GCG_JAVA_OPTS=-Xmx1g");
      assertThat(server.isAlive()).isFalse();
      assertThat(server.residentKib()).isEmpty();
    }
    assertThat(progressBytes.toString(StandardCharsets.UTF_8))
        .startsWith("test: [exits] starting ");
  }

  @Test
  void aServerThatNeverServesTimesOutAndCloseStopsIt() throws Exception {
    launcher("exec sleep 60");
    ServerProcess server =
        ServerProcess.launch("test", "mute", root, List.of(), Map.of(), progress);
    assertThatThrownBy(() -> server.awaitServing(Duration.ofMillis(500), progress))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not SERVING after PT0.5S");
    assertThat(server.isAlive()).isTrue();
    server.close();
    assertThat(server.isAlive()).isFalse();
    assertThat(server.channel().isShutdown()).isTrue();
  }

  @Test
  void sigtermEndsTheChildWithItsStatus() throws Exception {
    Path trapped = root.resolve("trapped");
    launcher("trap 'exit 3' TERM; touch '" + trapped + "'; while true; do sleep 0.1; done");
    try (ServerProcess server =
        ServerProcess.launch("test", "drains", root, List.of(), Map.of(), progress)) {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!Files.exists(trapped) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(trapped).as("the stand-in launcher installed its trap").exists();
      server.sigterm();
      assertThat(server.awaitExit(Duration.ofSeconds(20))).isEqualTo(3);
    }
  }

  private void launcher(String body) throws IOException {
    Path bin = Files.createDirectories(root.resolve("bin"));
    Path script = bin.resolve("gcg-serve");
    Files.writeString(script, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
