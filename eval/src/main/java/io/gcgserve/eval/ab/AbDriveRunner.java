package io.gcgserve.eval.ab;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GenerationOptions;
import io.grpc.Channel;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.NullMarked;

/**
 * Sends a plan's requests as a closed loop: {@code concurrency} workers share one channel, and each
 * sends the next request of the plan when its previous stream has ended, so never more than {@code
 * concurrency} streams are open. Prints a progress line to stderr every few seconds (done/total,
 * errors, rate) and once at the end.
 */
@NullMarked
final class AbDriveRunner {

  /**
   * What a run got.
   *
   * @param results one result per request, in plan order
   * @param wallNanos from the first send to the end of the last stream
   */
  record Run(List<AbDriveCall.Result> results, long wallNanos) {
    Run {
      results = List.copyOf(results);
    }
  }

  private final AbDriveCall call;
  private final List<ByteString> images;
  private final String experiment;
  private final int maxNewTokens;
  private final long deadlineSeconds;
  private final PrintStream progress;
  private final Duration progressEvery;

  /**
   * A runner over {@code channel}.
   *
   * @param images the encoded image files, sent byte for byte
   * @param experiment the experiment every request names
   * @param maxNewTokens {@code GenerationOptions.max_new_tokens}; 0 leaves the server default
   * @param deadlineSeconds each call's deadline
   * @param progress where progress lines go
   * @param progressEvery how often a progress line is printed while running
   */
  AbDriveRunner(
      Channel channel,
      List<ByteString> images,
      String experiment,
      int maxNewTokens,
      long deadlineSeconds,
      PrintStream progress,
      Duration progressEvery) {
    this.call = new AbDriveCall(channel, deadlineSeconds);
    this.images = List.copyOf(images);
    this.experiment = requireNonNull(experiment, "experiment is null");
    this.maxNewTokens = maxNewTokens;
    this.deadlineSeconds = deadlineSeconds;
    this.progress = requireNonNull(progress, "progress is null");
    this.progressEvery = requireNonNull(progressEvery, "progressEvery is null");
    if (this.images.isEmpty()) {
      throw new IllegalArgumentException("no images to send");
    }
  }

  /** The request planned as {@code planned}. */
  CaptionRequest request(AbDrivePlan.Request planned) {
    CaptionRequest.Builder request =
        CaptionRequest.newBuilder()
            .setImage(images.get(planned.image()))
            .setExperiment(experiment)
            .setGeneration(GenerationOptions.newBuilder().setMaxNewTokens(maxNewTokens));
    String key = planned.subjectKey();
    if (key != null) {
      request.setSubjectKey(key);
    }
    return request.build();
  }

  /**
   * Sends every request of {@code plan} over {@code concurrency} streams and waits for all of them.
   *
   * @return one result per request, in plan order, and the wall time
   */
  Run run(AbDrivePlan plan, int concurrency) throws InterruptedException {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
    }
    int total = plan.size();
    AtomicReferenceArray<AbDriveCall.Result> results = new AtomicReferenceArray<>(total);
    AtomicInteger next = new AtomicInteger();
    Ticker ticker = new Ticker(total);
    int workers = Math.min(concurrency, total);
    ExecutorService streams = Executors.newFixedThreadPool(workers);
    ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
    try {
      long every = progressEvery.toMillis();
      Future<?> printing =
          clock.scheduleAtFixedRate(ticker::print, every, every, TimeUnit.MILLISECONDS);
      List<Future<?>> running = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        running.add(
            streams.submit(
                () -> {
                  int index;
                  while ((index = next.getAndIncrement()) < total) {
                    AbDriveCall.Result result = send(plan.requests().get(index));
                    results.set(index, result);
                    ticker.done(result.ok());
                  }
                  return null;
                }));
      }
      for (Future<?> worker : running) {
        try {
          worker.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("a drive stream failed", e.getCause());
        }
      }
      printing.cancel(false);
      ticker.print();
    } finally {
      clock.shutdownNow();
      streams.shutdownNow();
    }
    AbDriveCall.Result[] ordered = new AbDriveCall.Result[total];
    for (int i = 0; i < total; i++) {
      ordered[i] = results.get(i);
    }
    return new Run(Arrays.asList(ordered), System.nanoTime() - ticker.startNanos);
  }

  private AbDriveCall.Result send(AbDrivePlan.Request planned) throws InterruptedException {
    try {
      // the call's deadline ends every stream; the margin only guards against a lost callback
      return call.send(planned.index(), request(planned))
          .get(deadlineSeconds + 60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("request " + planned.index() + " was lost", e);
    }
  }

  /** Counts finished requests and prints the progress line. */
  private final class Ticker {
    private final int total;
    private final long startNanos = System.nanoTime();
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicInteger errors = new AtomicInteger();

    Ticker(int total) {
      this.total = total;
      progress.printf(Locale.ROOT, "drive: %s: %d requests%n", experiment, total);
    }

    void done(boolean ok) {
      if (!ok) {
        errors.incrementAndGet();
      }
      done.incrementAndGet();
    }

    void print() {
      int finished = done.get();
      double seconds = (System.nanoTime() - startNanos) / 1e9;
      progress.printf(
          Locale.ROOT,
          "drive: %d/%d done, %d errors, %.1f req/s%n",
          finished,
          total,
          errors.get(),
          seconds > 0 ? finished / seconds : 0.0);
    }
  }
}
