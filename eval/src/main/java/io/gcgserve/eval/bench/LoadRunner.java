package io.gcgserve.eval.bench;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.gcgserve.harness.ServerProcess;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GenerationOptions;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.jspecify.annotations.NullMarked;

/**
 * Drives one server with Caption requests: warm-up, closed loop (N streams, each sending its next
 * request when the last one ended), open loop (requests at scheduled times, whatever is in flight),
 * soak (a long closed loop sampling the server's RSS) and the cancellation probe (requests ended by
 * a deadline or a client cancel while background streams run). Images cycle through the given PNGs;
 * decoding is greedy with a fixed token limit.
 */
@NullMarked
final class LoadRunner {

  /** Results of one run and its wall time. */
  record Run(List<CaptionProbe.Result> results, long wallNanos) {}

  /** One RSS sample: requests completed so far, and the server JVM's VmRSS in kB. */
  record RssSample(int requests, long kilobytes) {}

  /** What one cancellation probe request got. */
  record CancelOutcome(CancelSchedule.Probe probe, CaptionProbe.Result result) {}

  /**
   * The cancellation probe's requests, and the background streams' requests that ended and how many
   * of those were not OK.
   */
  record CancelRun(List<CancelOutcome> outcomes, int backgroundRequests, int backgroundFailed) {}

  private final ServerProcess server;
  private final List<ByteString> images;
  private final int maxNewTokens;
  private final CaptionProbe probe;
  private final long deadlineNanos;
  private final PrintStream progress;

  LoadRunner(
      ServerProcess server,
      List<ByteString> images,
      int maxNewTokens,
      long deadlineSeconds,
      PrintStream progress) {
    this.server = requireNonNull(server, "server is null");
    this.images = List.copyOf(images);
    this.maxNewTokens = maxNewTokens;
    this.probe = new CaptionProbe(server.channel(), deadlineSeconds);
    this.deadlineNanos = TimeUnit.SECONDS.toNanos(deadlineSeconds);
    this.progress = requireNonNull(progress, "progress is null");
  }

  /** The request for {@code image} under {@code pruner}. */
  CaptionRequest request(PrunerConfig pruner, int image) {
    return CaptionRequest.newBuilder()
        .setImage(images.get(image))
        .setPruner(pruner.spec())
        .setGeneration(GenerationOptions.newBuilder().setMaxNewTokens(maxNewTokens))
        .build();
  }

  /** {@code count} sequential requests that are not measured; fails if any is not OK. */
  void warmUp(PrunerConfig pruner, int count) throws InterruptedException {
    for (int i = 0; i < count; i++) {
      int image = i % images.size();
      CaptionProbe.Result result = probe.call(request(pruner, image), image);
      if (!result.ok()) {
        throw new IllegalStateException(
            "["
                + server.label()
                + "] warm-up request with pruner "
                + pruner.label()
                + " failed with "
                + result.code());
      }
    }
  }

  /**
   * {@code concurrency} streams, each sending {@code requestsPerStream} requests back to back.
   * Stream s sends image (j * concurrency + s) mod k as its j-th request, so every image is sent as
   * often at every concurrency when the totals allow.
   */
  Run closedLoop(PrunerConfig pruner, int concurrency, int requestsPerStream, String what)
      throws InterruptedException {
    int total = concurrency * requestsPerStream;
    Progress ticker = new Progress(what, total);
    List<CaptionProbe.Result> results = Collections.synchronizedList(new ArrayList<>());
    ExecutorService streams = Executors.newFixedThreadPool(concurrency);
    try {
      long start = System.nanoTime();
      List<Future<?>> running = new ArrayList<>();
      for (int s = 0; s < concurrency; s++) {
        int stream = s;
        running.add(
            streams.submit(
                () -> {
                  for (int j = 0; j < requestsPerStream; j++) {
                    int image = (j * concurrency + stream) % images.size();
                    results.add(probe.call(request(pruner, image), image));
                    ticker.tick();
                  }
                  return null;
                }));
      }
      awaitAll(running);
      return new Run(List.copyOf(results), System.nanoTime() - start);
    } finally {
      streams.shutdownNow();
    }
  }

  /**
   * Sends one request at each offset of {@code arrivalOffsetsNanos} from now, without waiting for
   * earlier ones; times each from its scheduled arrival. Waits for every stream to end.
   */
  Run openLoop(PrunerConfig pruner, long[] arrivalOffsetsNanos, String what)
      throws InterruptedException {
    return openLoop(i -> request(pruner, i % images.size()), arrivalOffsetsNanos, what);
  }

  /**
   * {@link #openLoop(PrunerConfig, long[], String)} with the {@code i}-th request made by {@code
   * requests}; request {@code i} sends image {@code i mod images}.
   */
  Run openLoop(IntFunction<CaptionRequest> requests, long[] arrivalOffsetsNanos, String what)
      throws InterruptedException {
    Progress ticker = new Progress(what, arrivalOffsetsNanos.length);
    List<CompletableFuture<CaptionProbe.Result>> sent = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < arrivalOffsetsNanos.length; i++) {
      long arrival = start + arrivalOffsetsNanos[i];
      long wait;
      while ((wait = arrival - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
      int image = i % images.size();
      sent.add(probe.send(requests.apply(i), image, arrival).whenComplete((r, e) -> ticker.tick()));
    }
    List<CaptionProbe.Result> results = new ArrayList<>();
    long end = start;
    for (CompletableFuture<CaptionProbe.Result> future : sent) {
      CaptionProbe.Result result = getResult(future);
      results.add(result);
      end = Math.max(end, result.endNanos());
    }
    return new Run(results, end - start);
  }

  /**
   * {@code total} requests over {@code concurrency} streams; samples the server JVM's RSS before
   * the first and after every {@code sampleEvery} completed requests.
   */
  List<RssSample> soak(
      PrunerConfig pruner, int total, int concurrency, int sampleEvery, String what)
      throws InterruptedException {
    Progress ticker = new Progress(what, total);
    List<RssSample> samples = Collections.synchronizedList(new ArrayList<>());
    sampleRss(0, samples);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    ExecutorService streams = Executors.newFixedThreadPool(concurrency);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int s = 0; s < concurrency; s++) {
        running.add(
            streams.submit(
                () -> {
                  int index;
                  while ((index = next.getAndIncrement()) < total) {
                    int image = index % images.size();
                    if (!probe.call(request(pruner, image), image).ok()) {
                      failed.incrementAndGet();
                    }
                    int completed = done.incrementAndGet();
                    ticker.tick();
                    if (completed % sampleEvery == 0) {
                      sampleRss(completed, samples);
                    }
                  }
                  return null;
                }));
      }
      awaitAll(running);
    } finally {
      streams.shutdownNow();
    }
    if (failed.get() > 0) {
      progress.printf(
          "load: [%s] soak: %d of %d requests failed%n", server.label(), failed.get(), total);
    }
    List<RssSample> sorted = new ArrayList<>(samples);
    sorted.sort((a, b) -> Integer.compare(a.requests(), b.requests()));
    return sorted;
  }

  /**
   * {@code backgroundStreams} streams of {@code background} send requests back to back while the
   * {@code plan}'s probes of {@code probePruner} are sent one after another, each ended by its
   * deadline or a client cancel at its drawn time; then the background streams finish the request
   * they are on (none is cancelled) and stop.
   */
  CancelRun cancelProbe(
      PrunerConfig background,
      int backgroundStreams,
      PrunerConfig probePruner,
      List<CancelSchedule.Probe> plan,
      String what)
      throws InterruptedException {
    Progress ticker = new Progress(what, plan.size());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger done = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    ExecutorService streams = Executors.newFixedThreadPool(backgroundStreams);
    ScheduledExecutorService canceller = Executors.newSingleThreadScheduledExecutor();
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int s = 0; s < backgroundStreams; s++) {
        int stream = s;
        running.add(
            streams.submit(
                () -> {
                  for (int j = 0; !stop.get(); j++) {
                    int image = (j * backgroundStreams + stream) % images.size();
                    if (!probe.call(request(background, image), image).ok()) {
                      failed.incrementAndGet();
                    }
                    done.incrementAndGet();
                  }
                  return null;
                }));
      }
      List<CancelOutcome> outcomes = new ArrayList<>();
      try {
        for (CancelSchedule.Probe planned : plan) {
          outcomes.add(new CancelOutcome(planned, sendProbe(probePruner, planned, canceller)));
          ticker.tick();
        }
      } finally {
        stop.set(true);
      }
      awaitAll(running);
      return new CancelRun(outcomes, done.get(), failed.get());
    } finally {
      canceller.shutdownNow();
      streams.shutdownNow();
    }
  }

  private CaptionProbe.Result sendProbe(
      PrunerConfig pruner, CancelSchedule.Probe planned, ScheduledExecutorService canceller)
      throws InterruptedException {
    int image = planned.index() % images.size();
    CaptionRequest request = request(pruner, image);
    long start = System.nanoTime();
    if (planned.mode() == CancelSchedule.Mode.DEADLINE) {
      return getResult(
          probe
              .start(request, image, start, TimeUnit.MILLISECONDS.toNanos(planned.millis()))
              .result());
    }
    CaptionProbe.Call call = probe.start(request, image, start, deadlineNanos);
    ScheduledFuture<?> cancel =
        canceller.schedule(call::cancel, planned.millis(), TimeUnit.MILLISECONDS);
    try {
      return getResult(call.result());
    } finally {
      // a caption that finished before its cancel time needs no cancel
      cancel.cancel(false);
    }
  }

  private void sampleRss(int requests, List<RssSample> samples) {
    OptionalLong kilobytes = server.residentKib();
    if (kilobytes.isPresent()) {
      samples.add(new RssSample(requests, kilobytes.getAsLong()));
    }
  }

  private static void awaitAll(List<Future<?>> running) throws InterruptedException {
    for (Future<?> future : running) {
      try {
        future.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("a load stream failed", e.getCause());
      }
    }
  }

  private CaptionProbe.Result getResult(CompletableFuture<CaptionProbe.Result> future)
      throws InterruptedException {
    try {
      // the probe's deadline ends every call; the margin only guards against a lost callback
      return future.get(1, TimeUnit.HOURS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("[" + server.label() + "] a request was lost", e);
    }
  }

  /** Prints "requests done" about ten times per run, to stderr. */
  private final class Progress {
    private final String what;
    private final int total;
    private final int step;
    private final AtomicInteger done = new AtomicInteger();

    Progress(String what, int total) {
      this.what = what;
      this.total = total;
      this.step = Math.max(1, total / 10);
      progress.printf("load: %s: %d requests%n", what, total);
    }

    void tick() {
      int now = done.incrementAndGet();
      if (now % step == 0 || now == total) {
        progress.printf("load: %s: %d/%d requests done%n", what, now, total);
      }
    }
  }
}
