package io.gcgserve.reliability;

import io.gcgserve.harness.ServerProcess;
import io.gcgserve.proto.v1.CaptionRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * What every scenario shares: the checkout whose {@code bin/gcg-serve} runs, the plan, the images,
 * a scheduler, progress output, and the main server (started on first use, shared by the overload,
 * cancel-storm, slow-reader, soak and, last, SIGTERM scenarios; TLS starts its own).
 */
final class Suite implements AutoCloseable {

  /**
   * Flags of the shared server beyond {@link #serverArgs}: a small transport buffer and event
   * buffer, so that the slow reader's backpressure engages within one caption (about 12 KB and 67
   * events with PNG masks; the defaults, 32 KiB and 64 events, hold all of it), and the SIGTERM
   * scenario's drain delay.
   */
  static final List<String> MAIN_SERVER_ARGS =
      List.of(
          "--stream-transport-bytes",
          "4096",
          "--stream-buffer",
          "8",
          "--drain-delay-seconds",
          Integer.toString(SigtermScenario.DRAIN_DELAY_SECONDS),
          "--drain-grace-seconds",
          "30");

  /** How long a server may take to load and warm up. */
  static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  private final Path root;
  private final Plan plan;
  private final PrintStream out;
  private final List<byte[]> images;
  private final Path work;
  private final ScheduledExecutorService scheduler;
  private @Nullable ServerProcess main;
  private @Nullable ManagedChannel mainChannel;

  Suite(Path root, Plan plan, PrintStream out, List<byte[]> images, Path work) {
    this.root = root;
    this.plan = plan;
    this.out = out;
    this.images = List.copyOf(images);
    this.work = work;
    this.scheduler =
        Executors.newScheduledThreadPool(
            2,
            task -> {
              Thread thread = new Thread(task, "gcg-reliability-timer");
              thread.setDaemon(true);
              return thread;
            });
  }

  Plan plan() {
    return plan;
  }

  PrintStream out() {
    return out;
  }

  Path work() {
    return work;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** Prints one progress line. */
  void progress(String scenario, String format, Object... args) {
    out.printf(
        "reliability: [%s] %s%n", scenario, String.format(java.util.Locale.ROOT, format, args));
  }

  /** Server flags shared by every server: batch, queue, warm-up, then the plan's own. */
  List<String> serverArgs(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--max-batch",
                Integer.toString(plan.maxBatch()),
                "--queue-capacity",
                Integer.toString(plan.queueCapacity())));
    if (!plan.warmUp()) {
      args.add("--no-warm-up");
    }
    args.addAll(List.of(extra));
    args.addAll(plan.serverArgs());
    return args;
  }

  /** Starts a plaintext server with {@link #serverArgs} and waits for SERVING. */
  ServerProcess startPlaintext(String label, String... extra)
      throws IOException, InterruptedException {
    ServerProcess server = start(label, serverArgs(extra));
    ManagedChannel probe = plaintext(server.port());
    try {
      server.awaitServing(probe, START_TIMEOUT, out);
    } catch (IOException | InterruptedException e) {
      server.close();
      throw e;
    } finally {
      probe.shutdownNow();
    }
    return server;
  }

  /** Starts a server with the given arguments (TLS ones included) and no wait. */
  ServerProcess startRaw(String label, List<String> args) throws IOException {
    return start(label, args);
  }

  /** Starts {@code bin/gcg-serve} on loopback only, with these arguments after the ports. */
  private ServerProcess start(String label, List<String> args) throws IOException {
    List<String> loopback = new ArrayList<>(List.of("--bind", "127.0.0.1"));
    loopback.addAll(args);
    return ServerProcess.launch("reliability", label, root, loopback, Map.of(), out);
  }

  /** The shared plaintext server. */
  synchronized ServerProcess mainServer() throws IOException, InterruptedException {
    if (main == null) {
      List<String> args = new ArrayList<>(MAIN_SERVER_ARGS);
      args.addAll(List.of("--access-log", accessLog().toString()));
      main = startPlaintext("main", args.toArray(String[]::new));
      mainChannel = plaintext(main.port());
    }
    return main;
  }

  /** Stops the shared server (the SIGTERM scenario's end); a later use starts a new one. */
  synchronized void stopMainServer() throws InterruptedException {
    if (mainChannel != null) {
      mainChannel.shutdownNow();
      mainChannel = null;
    }
    if (main != null) {
      main.close();
      main = null;
    }
  }

  /** The shared server's access log (one JSON line per request, refusals included). */
  Path accessLog() {
    return work.resolve("main-access.jsonl");
  }

  /** A channel to the shared server. */
  synchronized ManagedChannel mainChannel() throws IOException, InterruptedException {
    mainServer();
    return java.util.Objects.requireNonNull(mainChannel, "mainChannel");
  }

  /** A new plaintext channel to 127.0.0.1:{@code port}. */
  static ManagedChannel plaintext(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** Request {@code i}: image {@code i mod images}, with {@code pruner}. */
  CaptionRequest request(int i, String pruner) {
    return CaptionStream.request(images.get(i % images.size()), pruner, plan.maxNewTokens(), false);
  }

  /** Image {@code i mod images}. */
  byte[] image(int i) {
    return images.get(i % images.size());
  }

  /**
   * Sends {@code count} requests on {@code channel}, at most {@code concurrency} open at a time,
   * and returns their outcomes in order; each call gets a 120 s deadline.
   */
  List<CaptionStream.Outcome> closedLoop(
      Channel channel, int count, int concurrency, IntFunction<CaptionRequest> requests)
      throws InterruptedException {
    return closedLoop(channel, count, concurrency, requests, outcome -> {});
  }

  /** As above, calling {@code onEnd} as each call ends. */
  List<CaptionStream.Outcome> closedLoop(
      Channel channel,
      int count,
      int concurrency,
      IntFunction<CaptionRequest> requests,
      Consumer<CaptionStream.Outcome> onEnd)
      throws InterruptedException {
    Semaphore open = new Semaphore(concurrency);
    List<CompletableFuture<CaptionStream.Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      open.acquire();
      CaptionStream stream =
          CaptionStream.start(
              channel,
              CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS),
              requests.apply(i),
              -1);
      outcomes.add(
          stream
              .outcome()
              .whenComplete(
                  (outcome, failure) -> {
                    if (outcome != null) {
                      onEnd.accept(outcome);
                    }
                    open.release();
                  }));
    }
    return join(outcomes, Duration.ofSeconds(180));
  }

  /** Waits for every outcome, at most {@code timeout} in all. */
  static List<CaptionStream.Outcome> join(
      List<CompletableFuture<CaptionStream.Outcome>> outcomes, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<CaptionStream.Outcome> done = new ArrayList<>();
    for (CompletableFuture<CaptionStream.Outcome> outcome : outcomes) {
      try {
        done.add(outcome.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("a call did not end within " + timeout, e);
      }
    }
    return done;
  }

  /**
   * Polls {@code /metrics} until gauge {@code name} reads {@code value}; the milliseconds it took,
   * or -1 when it did not within {@code timeout}.
   */
  static long awaitGauge(ServerProcess server, String name, double value, Duration timeout)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (server.scrape().sum(name) == value) {
        return (System.nanoTime() - start) / 1_000_000;
      }
      Thread.sleep(50);
    }
    return -1;
  }

  @Override
  public synchronized void close() throws InterruptedException {
    if (mainChannel != null) {
      mainChannel.shutdownNow();
    }
    if (main != null) {
      main.close();
    }
    scheduler.shutdownNow();
  }
}
