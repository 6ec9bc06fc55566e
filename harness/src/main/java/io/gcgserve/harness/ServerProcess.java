package io.gcgserve.harness;

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
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A gcg-serve server run as a child process from a checkout's {@code bin/gcg-serve}, on free ports,
 * with its output in a log file, for the tools that measure a real server. {@link #awaitServing}
 * returns once gRPC health reports SERVING; {@link #close} sends SIGTERM (the server drains),
 * waits, and kills what is left, descendants included.
 */
public final class ServerProcess implements AutoCloseable {

  /** Loopback: where the channel and the metrics scrape reach the server. */
  private static final String HOST = "127.0.0.1";

  private static final Duration STOP_WAIT = Duration.ofSeconds(60);
  private static final int LOG_HEAD_LINES = 5;
  private static final int LOG_TAIL_LINES = 15;

  private final String tool;
  private final String label;
  private final Process process;
  private final Path log;
  private final int port;
  private final int metricsPort;
  private final ManagedChannel channel;
  private final HttpClient http;

  private ServerProcess(
      String tool, String label, Process process, Path log, int port, int metricsPort) {
    this.tool = tool;
    this.label = label;
    this.process = process;
    this.log = log;
    this.port = port;
    this.metricsPort = metricsPort;
    this.channel = NettyChannelBuilder.forAddress(HOST, port).usePlaintext().build();
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * Starts {@code root/bin/gcg-serve --port P --metrics-port M args...} with its output in a
   * temporary log file; {@link #awaitServing} waits for it.
   *
   * @param tool the calling tool's name, which starts its progress lines and the log's name
   * @param label this server's name among the tool's servers
   * @param environment variables set for the child over this process's own (for example
   *     GCG_JAVA_OPTS, so that the tool's JVM options do not become the server's)
   */
  public static ServerProcess launch(
      String tool,
      String label,
      Path root,
      List<String> args,
      Map<String, String> environment,
      PrintStream progress)
      throws IOException {
    Path launcher = root.resolve("bin/gcg-serve");
    if (!Files.isExecutable(launcher)) {
      throw new IOException(
          label + ": no executable " + launcher + " (is " + root + " a gcg-serve checkout?)");
    }
    int port = freePort();
    int metricsPort = freePort();
    while (metricsPort == port) {
      metricsPort = freePort();
    }
    List<String> command = new ArrayList<>(List.of(launcher.toString()));
    command.addAll(
        List.of("--port", Integer.toString(port), "--metrics-port", Integer.toString(metricsPort)));
    command.addAll(args);
    Path log = Files.createTempFile("gcg-" + tool + "-" + label + "-", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    progress.printf("%s: [%s] starting %s (log %s)%n", tool, label, String.join(" ", command), log);
    return new ServerProcess(tool, label, builder.start(), log, port, metricsPort);
  }

  /** This server's name among the tool's servers. */
  public String label() {
    return label;
  }

  /** The gRPC port. */
  public int port() {
    return port;
  }

  /** Path of the server's output. */
  public Path log() {
    return log;
  }

  /** A plaintext channel to the server on loopback, shut down by {@link #close}. */
  public ManagedChannel channel() {
    return channel;
  }

  /** Waits until gRPC health on {@link #channel} reports SERVING; see the two-channel form. */
  public void awaitServing(Duration timeout, PrintStream progress)
      throws IOException, InterruptedException {
    awaitServing(channel, timeout, progress);
  }

  /**
   * Waits until gRPC health on {@code probe} (a TLS server needs a channel of its own) reports
   * SERVING, at most {@code timeout}; fails, with the log's head and tail, if the child exits or
   * the time runs out.
   */
  public void awaitServing(ManagedChannel probe, Duration timeout, PrintStream progress)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(probe);
    while (true) {
      if (!process.isAlive()) {
        throw new IOException(
            label
                + ": server exited with status "
                + process.exitValue()
                + " before SERVING; "
                + logExcerpt());
      }
      try {
        ServingStatus status =
            health
                .withDeadlineAfter(2, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus();
        if (status == ServingStatus.SERVING) {
          progress.printf(
              "%s: [%s] SERVING on port %d (metrics port %d), java pid %s%n",
              tool,
              label,
              port,
              metricsPort,
              javaPid().stream().mapToObj(Long::toString).findFirst().orElse("?"));
          return;
        }
      } catch (StatusRuntimeException notYet) {
        // not listening yet, or NOT_SERVING while the model loads: poll again
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(label + ": not SERVING after " + timeout + "; " + logExcerpt());
      }
      Thread.sleep(200);
    }
  }

  /**
   * The PID of the server's JVM: the child itself when the launcher exec'd java
   * (bin/lib/launcher.sh does), else the first descendant whose command is java.
   */
  public OptionalLong javaPid() {
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

  /** The server JVM's resident set size in KiB, empty when it cannot be read (it exited). */
  public OptionalLong residentKib() {
    return procStatus("VmRSS:");
  }

  /** The server JVM's thread count, empty when it cannot be read (it exited). */
  public OptionalLong threads() {
    return procStatus("Threads:");
  }

  private OptionalLong procStatus(String field) {
    OptionalLong pid = javaPid();
    if (pid.isEmpty()) {
      return OptionalLong.empty();
    }
    try {
      String status = Files.readString(Path.of("/proc", Long.toString(pid.getAsLong()), "status"));
      return procStatusField(status, field);
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * The first number of the line starting with {@code field} (such as {@code "VmRSS:"}) of a
   * /proc/PID/status text; empty when there is no such line (a zombie's status has no VmRSS).
   */
  public static OptionalLong procStatusField(String status, String field) {
    for (String line : status.split("\n")) {
      if (line.startsWith(field)) {
        String[] words = line.substring(field.length()).strip().split("\\s+");
        try {
          return OptionalLong.of(Long.parseLong(words[0]));
        } catch (NumberFormatException e) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }

  /** One scrape of {@code /metrics}; an IOException when it cannot be read or parsed. */
  public PrometheusText scrape() throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + metricsPort + "/metrics"))
            .timeout(Duration.ofSeconds(10))
            .build();
    HttpResponse<String> response =
        http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (response.statusCode() != 200) {
      throw new IOException(label + ": /metrics answered HTTP " + response.statusCode());
    }
    try {
      return PrometheusText.parse(response.body());
    } catch (IllegalArgumentException e) {
      throw new IOException(label + ": /metrics " + e.getMessage(), e);
    }
  }

  /**
   * One scrape of {@code /metrics}, or an empty one, with a progress line saying why, when it
   * cannot be read: for figures a report can go without.
   */
  public PrometheusText scrapeOrEmpty(PrintStream progress) throws InterruptedException {
    try {
      return scrape();
    } catch (IOException e) {
      progress.printf("%s: [%s] cannot read /metrics: %s%n", tool, label, e.getMessage());
      return PrometheusText.empty();
    }
  }

  /** Sends SIGTERM: the server drains. */
  public void sigterm() {
    process.destroy();
  }

  /** Waits for the exit; its status, or -1 after {@code timeout}. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  /** Whether the child is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** The log's first and last lines (a bad flag is named first, then picocli's usage). */
  private String logExcerpt() {
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

  /**
   * SIGTERM to the server and any wrapper between, a kill after a minute for what is left.
   * Idempotent.
   */
  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    List<ProcessHandle> descendants = process.descendants().toList();
    if (process.isAlive()) {
      process.destroy();
      descendants.forEach(ProcessHandle::destroy);
      if (!process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
    channel.awaitTermination(5, TimeUnit.SECONDS);
  }
}
