package io.gcgserve.eval.bench;

import static java.util.Objects.requireNonNull;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
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
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.NullMarked;

/**
 * A gcg-serve server run as a child process from a checkout's {@code bin/gcg-serve}, on free ports,
 * with its output in a log file. {@link #awaitServing} returns once gRPC health reports SERVING;
 * {@link #close} sends SIGTERM (the server drains), waits, and kills what is left, descendants
 * included.
 */
@NullMarked
final class ServerProcess implements AutoCloseable {

  private static final Duration STOP_WAIT = Duration.ofSeconds(45);
  private static final int LOG_HEAD_LINES = 5;
  private static final int LOG_TAIL_LINES = 15;

  private final String label;
  private final Process process;
  private final Path log;
  private final int metricsPort;
  private final ManagedChannel channel;
  private final HttpClient http;

  private ServerProcess(String label, Process process, Path log, int port, int metricsPort) {
    this.label = label;
    this.process = process;
    this.log = log;
    this.metricsPort = metricsPort;
    this.channel = NettyChannelBuilder.forAddress("localhost", port).usePlaintext().build();
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * Starts {@code root/bin/gcg-serve --port P --metrics-port M extraArgs...}; {@link #awaitServing}
   * waits for it. {@code javaOpts} replaces GCG_JAVA_OPTS for the child (the benchmark's own JVM
   * options are not the server's).
   */
  static ServerProcess launch(
      String label, Path root, List<String> extraArgs, String javaOpts, PrintStream progress)
      throws IOException {
    Path launcher = root.resolve("bin/gcg-serve");
    if (!Files.isExecutable(launcher)) {
      throw new IOException(
          label + ": no executable " + launcher + " (is " + root + " a checkout?)");
    }
    int port = freePort();
    int metricsPort = freePort();
    while (metricsPort == port) {
      metricsPort = freePort();
    }
    List<String> command = new ArrayList<>(List.of(launcher.toString()));
    command.addAll(
        List.of("--port", Integer.toString(port), "--metrics-port", Integer.toString(metricsPort)));
    command.addAll(extraArgs);
    Path log = Files.createTempFile("gcg-load-" + label + "-", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.environment().put("GCG_JAVA_OPTS", javaOpts);
    progress.printf("load: [%s] starting %s (log %s)%n", label, String.join(" ", command), log);
    return new ServerProcess(label, builder.start(), log, port, metricsPort);
  }

  String label() {
    return label;
  }

  /** The channel every request to this server goes through. */
  ManagedChannel channel() {
    return channel;
  }

  /** Waits until gRPC health reports SERVING, at most {@code timeout}; fails if the child exits. */
  void awaitServing(Duration timeout, PrintStream progress)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
    HealthCheckRequest request = HealthCheckRequest.newBuilder().setService("").build();
    while (true) {
      if (!process.isAlive()) {
        throw new IOException(
            label
                + ": server exited with status "
                + process.exitValue()
                + " before SERVING; "
                + logTail());
      }
      try {
        ServingStatus status =
            health.withDeadlineAfter(2, TimeUnit.SECONDS).check(request).getStatus();
        if (status == ServingStatus.SERVING) {
          progress.printf(
              "load: [%s] SERVING (metrics port %d), java pid %s%n",
              label,
              metricsPort,
              javaPid().stream().mapToObj(Long::toString).findFirst().orElse("?"));
          return;
        }
      } catch (StatusRuntimeException notYet) {
        // not listening yet, or NOT_SERVING while the model loads: poll again
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(label + ": not SERVING after " + timeout + "; " + logTail());
      }
      Thread.sleep(250);
    }
  }

  /**
   * The PID of the server's JVM: the child itself when the launcher exec'd java
   * (bin/lib/launcher.sh does), else the first descendant whose command is java.
   */
  OptionalLong javaPid() {
    if (isJava(process.toHandle())) {
      return OptionalLong.of(process.pid());
    }
    return process
        .descendants()
        .filter(ServerProcess::isJava)
        .mapToLong(ProcessHandle::pid)
        .findFirst();
  }

  private static boolean isJava(ProcessHandle handle) {
    Optional<String> command = handle.info().command();
    if (command.isPresent()) {
      return Path.of(command.get()).getFileName().toString().equals("java");
    }
    try {
      return Files.readString(Path.of("/proc", Long.toString(handle.pid()), "comm"))
          .strip()
          .equals("java");
    } catch (IOException e) {
      return false;
    }
  }

  /** The JVM's resident set size in kB from /proc/PID/status, empty when it cannot be read. */
  OptionalLong residentKilobytes() {
    OptionalLong pid = javaPid();
    if (pid.isEmpty()) {
      return OptionalLong.empty();
    }
    try {
      String status = Files.readString(Path.of("/proc", Long.toString(pid.getAsLong()), "status"));
      return parseVmRssKilobytes(status);
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  /** The VmRSS line of a /proc/PID/status text, in kB. */
  static OptionalLong parseVmRssKilobytes(String status) {
    for (String line : status.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        String[] fields = line.substring("VmRSS:".length()).strip().split("\\s+");
        if (fields.length == 2 && fields[1].equals("kB")) {
          return OptionalLong.of(Long.parseLong(fields[0]));
        }
      }
    }
    return OptionalLong.empty();
  }

  /** Scrapes /metrics; an empty scrape (and a note on stderr) when it cannot be read. */
  PrometheusText scrapeMetrics(PrintStream progress) throws InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + metricsPort + "/metrics"))
            .timeout(Duration.ofSeconds(10))
            .build();
    try {
      HttpResponse<String> response =
          http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() != 200) {
        progress.printf("load: [%s] /metrics answered %d%n", label, response.statusCode());
        return PrometheusText.empty();
      }
      return PrometheusText.parse(response.body());
    } catch (IOException | IllegalArgumentException e) {
      progress.printf("load: [%s] cannot read /metrics: %s%n", label, e.getMessage());
      return PrometheusText.empty();
    }
  }

  /** The log's first and last lines (a bad flag is named first, then picocli's usage). */
  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      List<String> shown = lines;
      if (lines.size() > LOG_HEAD_LINES + LOG_TAIL_LINES) {
        shown = new ArrayList<>(lines.subList(0, LOG_HEAD_LINES));
        shown.add("...");
        shown.addAll(lines.subList(lines.size() - LOG_TAIL_LINES, lines.size()));
      }
      return "server output (" + log + "):\n" + String.join("\n", shown);
    } catch (IOException | UncheckedIOException e) {
      return "log " + log + " unreadable";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  /** SIGTERM to the server (and any wrapper), then a kill after {@link #STOP_WAIT}. Idempotent. */
  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    List<ProcessHandle> descendants = process.descendants().toList();
    if (process.isAlive()) {
      process.destroy();
      descendants.forEach(ProcessHandle::destroy);
      if (!process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
    channel.awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Whether the child is still running (a crashed server fails the benchmark). */
  boolean isAlive() {
    return process.isAlive();
  }

  /** Path of the server's output. */
  Path log() {
    return requireNonNull(log, "log is null");
  }
}
