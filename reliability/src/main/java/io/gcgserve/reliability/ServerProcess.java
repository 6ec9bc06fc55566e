package io.gcgserve.reliability;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * One {@code bin/gcg-serve} child process on loopback, on free ports, its output in a log file. The
 * launcher execs java, so the child's PID is the server JVM's: SIGTERM, {@code /proc} samples and
 * {@code /metrics} all reach the server itself. {@link #close} sends SIGTERM, waits, and kills what
 * is left.
 */
final class ServerProcess implements AutoCloseable {

  private static final Duration STOP_WAIT = Duration.ofSeconds(60);

  private final String label;
  private final Process process;
  private final Path log;
  private final int port;
  private final int metricsPort;
  private final HttpClient http;

  private ServerProcess(String label, Process process, Path log, int port, int metricsPort) {
    this.label = label;
    this.process = process;
    this.log = log;
    this.port = port;
    this.metricsPort = metricsPort;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** Starts {@code root/bin/gcg-serve --bind 127.0.0.1 --port P --metrics-port M args...}. */
  static ServerProcess start(String label, Path root, List<String> args, PrintStream progress)
      throws IOException {
    Path launcher = root.resolve("bin/gcg-serve");
    if (!Files.isExecutable(launcher)) {
      throw new IOException("no executable " + launcher + " (is --root a gcg-serve checkout?)");
    }
    int port = freePort();
    int metricsPort = freePort();
    while (metricsPort == port) {
      metricsPort = freePort();
    }
    List<String> command = new ArrayList<>(List.of(launcher.toString()));
    command.addAll(
        List.of(
            "--bind",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            "--metrics-port",
            Integer.toString(metricsPort)));
    command.addAll(args);
    Path log = Files.createTempFile("gcg-reliability-" + label + "-", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    progress.printf("reliability: [%s] starting %s (log %s)%n", label, command, log);
    return new ServerProcess(label, builder.start(), log, port, metricsPort);
  }

  int port() {
    return port;
  }

  Path log() {
    return log;
  }

  /** The server JVM's PID. */
  long pid() {
    return process.pid();
  }

  /** Waits until health on {@code probe} says SERVING; fails if the child exits or on timeout. */
  void awaitServing(ManagedChannel probe, Duration timeout, PrintStream progress)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(probe);
    while (true) {
      if (!process.isAlive()) {
        throw new IOException(
            label + ": server exited with status " + process.exitValue() + "; see " + log);
      }
      try {
        ServingStatus status =
            health
                .withDeadlineAfter(2, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus();
        if (status == ServingStatus.SERVING) {
          progress.printf(
              "reliability: [%s] SERVING on 127.0.0.1:%d (metrics %d), pid %d%n",
              label, port, metricsPort, pid());
          return;
        }
      } catch (StatusRuntimeException notYet) {
        // not listening yet, or NOT_SERVING while the model loads
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(label + ": not SERVING after " + timeout + "; see " + log);
      }
      Thread.sleep(200);
    }
  }

  /** One scrape of {@code /metrics}. */
  PrometheusText scrape() throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
            .timeout(Duration.ofSeconds(10))
            .build();
    HttpResponse<String> response =
        http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (response.statusCode() != 200) {
      throw new IOException(label + ": /metrics answered HTTP " + response.statusCode());
    }
    return PrometheusText.parse(response.body());
  }

  /** VmRSS of the server JVM in KiB, empty once it exited. */
  OptionalLong residentKib() {
    return procStatus("VmRSS:");
  }

  /** Threads of the server JVM, empty once it exited. */
  OptionalLong threads() {
    return procStatus("Threads:");
  }

  private OptionalLong procStatus(String field) {
    try {
      String status = Files.readString(Path.of("/proc", Long.toString(pid()), "status"));
      return procField(status, field);
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  /** The first number of the line starting with {@code field} of a /proc/PID/status text. */
  static OptionalLong procField(String status, String field) {
    for (String line : status.split("\n")) {
      if (line.startsWith(field)) {
        String[] words = line.substring(field.length()).strip().split("\\s+");
        return OptionalLong.of(Long.parseLong(words[0]));
      }
    }
    return OptionalLong.empty();
  }

  /** Sends SIGTERM: the server drains. */
  void sigterm() {
    process.destroy();
  }

  /** Waits for the exit; its status, or -1 after {@code timeout}. */
  int awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** SIGTERM, then SIGKILL after a minute. Idempotent. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
