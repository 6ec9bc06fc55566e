package io.gcgserve.server.grpc;

import static java.util.Objects.requireNonNull;

import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationListener;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.model.image.ImageDecoder;
import io.gcgserve.model.image.ImageHeader;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.MaskFormat;
import io.gcgserve.proto.v1.Timings;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.server.metrics.ServingMetrics;
import io.grpc.Deadline;
import io.grpc.Status;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One admitted Caption request, run on a generation worker: decodes the image, generates, and
 * streams each event as the model produces it. Metrics are recorded before the terminal status is
 * sent, so a client that sees the end of its call also sees the gauges settled.
 */
final class CaptionCall implements Runnable {

  /** What validation produced; everything the worker needs. */
  record Prepared(
      GroundedCaptioner captioner,
      byte[] image,
      ImageHeader header,
      String prompt,
      String prunerName,
      TokenPruner pruner,
      GenerationOptions options,
      MaskFormat maskFormat) {}

  /** A cancel this close to the deadline counts as the deadline passing. */
  static final long DEADLINE_SLACK_MILLIS = 100;

  private final Prepared prepared;
  private final EventStream<CaptionEvent> stream;
  private final @Nullable Deadline deadline;
  private final long admittedNanos;
  private final ImageDecoder decoder;
  private final ServingMetrics metrics;
  private final String arm;
  private final AtomicBoolean recorded = new AtomicBoolean();

  CaptionCall(
      Prepared prepared,
      EventStream<CaptionEvent> stream,
      @Nullable Deadline deadline,
      long admittedNanos,
      ImageDecoder decoder,
      ServingMetrics metrics,
      String arm) {
    this.prepared = requireNonNull(prepared, "prepared is null");
    this.stream = requireNonNull(stream, "stream is null");
    this.deadline = deadline;
    this.admittedNanos = admittedNanos;
    this.decoder = requireNonNull(decoder, "decoder is null");
    this.metrics = requireNonNull(metrics, "metrics is null");
    this.arm = requireNonNull(arm, "arm is null");
  }

  /** The call was taken back out of the queue before a worker ran it. */
  void withdrawn() {
    metrics.dequeuedWithoutRunning();
    record(cancelledStatus());
  }

  @Override
  public void run() {
    long startNanos = System.nanoTime();
    metrics.started();
    Status status;
    try {
      metrics.queueWait(seconds(startNanos - admittedNanos));
      status = stream.isCancelled() ? cancelledStatus() : generate(startNanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = Status.UNAVAILABLE.withDescription("the server is shutting down; retry elsewhere");
    } catch (RuntimeException | Error e) {
      status = StatusMapper.toStatus(e);
    }
    metrics.finished();
    record(status);
    stream.finish(status);
  }

  private Status generate(long startNanos) throws InterruptedException {
    ImageRgb image = decoder.decode(prepared.image(), prepared.header());
    StreamingListener listener = new StreamingListener();
    GenerationRequest request =
        new GenerationRequest(
            image,
            prepared.prompt(),
            prepared.pruner(),
            prepared.options(),
            () -> stream.isCancelled() || listener.stopped);
    GenerationResult result = prepared.captioner().generate(request, listener);
    if (listener.failure != null) {
      throw listener.failure;
    }
    if (listener.interrupted) {
      throw new InterruptedException("interrupted while streaming");
    }
    if (result.finishReason() == FinishReason.CANCELLED || stream.isCancelled()) {
      return cancelledStatus();
    }
    long endNanos = System.nanoTime();
    metrics.generatedTokens(prepared.prunerName(), arm, result.generatedTokens());
    metrics.requestDuration(prepared.prunerName(), arm, seconds(endNanos - admittedNanos));
    Timings timings =
        Timings.newBuilder()
            .setQueueWaitMs(millis(startNanos - admittedNanos))
            .setPrefillMs(result.prefill().prefillMillis())
            .setDecodeMs(result.decodeMillis())
            .setTotalMs(millis(endNanos - admittedNanos))
            .setTtftMs(
                listener.firstTokenNanos == 0
                    ? 0
                    : millis(listener.firstTokenNanos - admittedNanos))
            .build();
    stream.send(ProtoEvents.finished(result, timings));
    return Status.OK;
  }

  private Status cancelledStatus() {
    // a client cancels on its own deadline timer, and its cancel can reach us just before our
    // copy of the deadline fires; count those as deadline expiries, not client cancels
    if (deadline != null
        && deadline.timeRemaining(TimeUnit.MILLISECONDS) <= DEADLINE_SLACK_MILLIS) {
      return Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded during generation");
    }
    return Status.CANCELLED.withDescription("cancelled by the client");
  }

  private void record(Status status) {
    if (recorded.compareAndSet(false, true)) {
      metrics.requestFinished(prepared.prunerName(), arm, status.getCode().name());
    }
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }

  /**
   * Streams model events; never throws into the model. A failure here stops generation at the next
   * step and is rethrown on the worker once {@code generate} returns.
   */
  private final class StreamingListener implements GenerationListener {
    volatile boolean stopped;
    boolean interrupted;
    @Nullable RuntimeException failure;
    long firstTokenNanos;
    long previousTokenNanos;

    @Override
    public void onPrefill(PrefillReport report) {
      metrics.prefill(
          prepared.prunerName(),
          arm,
          report.visualTokensKept(),
          report.flopsRatio(),
          report.prunerMillis() / 1e3);
      emit(ProtoEvents.started(prepared.prunerName(), arm, report));
    }

    @Override
    public void onToken(TokenDelta delta) {
      long now = System.nanoTime();
      if (firstTokenNanos == 0) {
        firstTokenNanos = now;
        metrics.timeToFirstToken(prepared.prunerName(), arm, seconds(now - admittedNanos));
      } else {
        metrics.interTokenLatency(prepared.prunerName(), arm, seconds(now - previousTokenNanos));
      }
      previousTokenNanos = now;
      emit(ProtoEvents.textDelta(delta));
    }

    @Override
    public void onGroundedPhrase(GroundedPhrase phrase) {
      emit(ProtoEvents.groundedPhrase(phrase, prepared.maskFormat()));
    }

    private void emit(CaptionEvent event) {
      if (stopped) {
        return;
      }
      try {
        stream.send(event);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        interrupted = true;
        stopped = true;
      } catch (RuntimeException e) {
        failure = new IllegalStateException("streaming an event failed", e);
        stopped = true;
      }
    }
  }
}
