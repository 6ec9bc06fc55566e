package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.util.JsonFormat;
import io.gcgserve.proto.v1.CaptionEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Starts {@code bin/gcg-serve} as a process with the bundled model on free ports and runs {@code
 * bin/gcg-caption --json} against it over TCP. Runs under failsafe (after {@code package}, so the
 * launchers find their jars) and only when the bundled checkpoint is on the classpath.
 */
class EndToEndLauncherIT {

  private static final long STARTUP_SECONDS = 300;

  @Test
  void launcherServesTheBundledModelToTheCaptionCli() throws Exception {
    assumeTrue(
        getClass().getClassLoader().getResource("io/gcgserve/model/bundled/config.json") != null,
        "the bundled model is not on the classpath yet");
    Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    Path work = Files.createDirectories(root.resolve("server/target/e2e"));
    assertThat(root.resolve("clients/java/target/lib"))
        .as("build the client first: mvn -pl clients/java -am package -DskipTests")
        .isDirectory();
    int port = freePort();
    int metricsPort = freePort();
    Path serverLog = work.resolve("gcg-serve.log");
    Process server =
        new ProcessBuilder(
                root.resolve("bin/gcg-serve").toString(),
                "--port",
                Integer.toString(port),
                "--metrics-port",
                Integer.toString(metricsPort),
                "--device",
                "cpu",
                "--drain-grace-seconds",
                "5",
                "--drain-delay-seconds",
                "1")
            .redirectErrorStream(true)
            .start();
    CountDownLatch serving = new CountDownLatch(1);
    StringBuffer log = new StringBuffer();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  log.append(line).append('\n');
                  if (line.contains("health SERVING")) {
                    serving.countDown();
                  }
                }
              } catch (IOException e) {
                log.append("log reader failed: ").append(e).append('\n');
              }
            });
    reader.start();
    try {
      assertThat(serving.await(STARTUP_SECONDS, TimeUnit.SECONDS))
          .as("gcg-serve did not report SERVING; its log:\n%s", log)
          .isTrue();

      Path image = work.resolve("input.png");
      Files.write(image, TestImages.png(96, 64));
      Path overlay = work.resolve("overlay.png");
      Process caption =
          new ProcessBuilder(
                  root.resolve("bin/gcg-caption").toString(),
                  "--target",
                  "localhost:" + port,
                  "--image",
                  image.toString(),
                  "--max-new-tokens",
                  "24",
                  "--deadline-ms",
                  "120000",
                  "--json",
                  "--overlay",
                  overlay.toString())
              .redirectError(work.resolve("gcg-caption.err").toFile())
              .start();
      String output = new String(caption.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(caption.waitFor(180, TimeUnit.SECONDS)).isTrue();
      assertThat(caption.exitValue())
          .as("gcg-caption failed: %s", Files.readString(work.resolve("gcg-caption.err")))
          .isZero();

      List<CaptionEvent> events = new ArrayList<>();
      for (String line : output.split("\n")) {
        CaptionEvent.Builder event = CaptionEvent.newBuilder();
        JsonFormat.parser().merge(line, event);
        events.add(event.build());
      }
      assertThat(events.get(0).hasStarted()).isTrue();
      assertThat(events.get(0).getStarted().getPruner()).isEqualTo("none");
      assertThat(events.get(events.size() - 1).hasFinished()).isTrue();
      assertThat(events.stream().filter(CaptionEvent::hasTextDelta)).isNotEmpty();
      assertThat(ImageIO.read(overlay.toFile()).getWidth()).isEqualTo(96);

      HttpResponse<String> metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://localhost:" + metricsPort + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.body())
          .contains(
              "gcg_requests_total{arm=\"none\",experiment=\"none\",pruner=\"none\","
                  + "status=\"OK\"} 1");
    } finally {
      // SIGTERM through the handle: Process.destroy() would also close the log stream we read
      server.toHandle().destroy();
      boolean exited = server.waitFor(60, TimeUnit.SECONDS);
      reader.join(TimeUnit.SECONDS.toMillis(10));
      Files.writeString(serverLog, log);
      if (!exited) {
        server.destroyForcibly();
      }
      assertThat(exited).as("gcg-serve did not exit on SIGTERM").isTrue();
    }
    // the SIGTERM drain: health first, a delay still accepting, then no new calls; a clean exit
    assertThat(log.toString())
        .containsSubsequence(
            "gcg-serve: SIGTERM received",
            "health NOT_SERVING; still accepting calls for 1 s",
            "health NOT_SERVING, no new calls",
            "gcg-serve: stopped");
    assertThat(server.exitValue()).as("exit status after a clean drain").isZero();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
