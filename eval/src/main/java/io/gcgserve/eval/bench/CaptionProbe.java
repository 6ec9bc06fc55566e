package io.gcgserve.eval.bench;

import static java.util.Objects.requireNonNull;

import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.GroundedCaptionGrpc.GroundedCaptionStub;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * Sends Caption requests over one channel and times what the client sees: the first TextDelta, the
 * gaps between TextDeltas, and the end of the stream. Timing starts at a given nanoTime, the send
 * time in a closed loop and the scheduled arrival in an open loop (so a late send counts against
 * the server, not for it).
 */
@NullMarked
final class CaptionProbe {

  /**
   * What one request got.
   *
   * @param image index of the synthetic image sent
   * @param startNanos nanoTime the timing starts from
   * @param firstTokenNanos nanoTime of the first TextDelta, -1 when none arrived
   * @param endNanos nanoTime the stream ended
   * @param interTokenNanos gaps between consecutive TextDeltas
   * @param code the call's final status
   * @param text the caption, TextDeltas concatenated
   * @param generatedTokens tokens the server reported in Finished (0 without it)
   */
  record Result(
      int image,
      long startNanos,
      long firstTokenNanos,
      long endNanos,
      long[] interTokenNanos,
      Status.Code code,
      String text,
      int generatedTokens) {

    boolean ok() {
      return code == Status.Code.OK;
    }

    double ttftMillis() {
      return firstTokenNanos < 0 ? Double.NaN : (firstTokenNanos - startNanos) / 1e6;
    }

    double latencyMillis() {
      return (endNanos - startNanos) / 1e6;
    }
  }

  private final GroundedCaptionStub stub;
  private final long deadlineSeconds;

  CaptionProbe(Channel channel, long deadlineSeconds) {
    this.stub = GroundedCaptionGrpc.newStub(requireNonNull(channel, "channel is null"));
    this.deadlineSeconds = deadlineSeconds;
  }

  /** Sends {@code request} now; the future completes (never exceptionally) when the stream ends. */
  CompletableFuture<Result> send(CaptionRequest request, int image, long startNanos) {
    return start(request, image, startNanos, TimeUnit.SECONDS.toNanos(deadlineSeconds)).result();
  }

  /**
   * Sends {@code request} now with a deadline of {@code deadlineNanos} from now; the returned call
   * can also be cancelled by the client.
   */
  Call start(CaptionRequest request, int image, long startNanos, long deadlineNanos) {
    Recorder recorder = new Recorder(image, startNanos);
    stub.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS).caption(request, recorder);
    return new Call(recorder);
  }

  /** A call in flight: its result, and a client-side cancel. */
  static final class Call {
    private final Recorder recorder;

    private Call(Recorder recorder) {
      this.recorder = recorder;
    }

    /** Completes (never exceptionally) when the stream ends. */
    CompletableFuture<Result> result() {
      return recorder.result;
    }

    /** Cancels the call from the client, as a user closing the stream would; no-op once ended. */
    void cancel() {
      ClientCallStreamObserver<CaptionRequest> call = recorder.call;
      if (call != null) {
        call.cancel("cancelled by the load bench's cancellation probe", null);
      }
    }
  }

  /** Sends and waits; the start time is the send time. */
  Result call(CaptionRequest request, int image) throws InterruptedException {
    try {
      return send(request, image, System.nanoTime()).get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("caption recorder failed", e);
    }
  }

  /** Records one stream's events; gRPC calls it from one thread at a time. */
  private static final class Recorder
      implements ClientResponseObserver<CaptionRequest, CaptionEvent> {
    private volatile @Nullable ClientCallStreamObserver<CaptionRequest> call;
    private final int image;
    private final long startNanos;
    private final CompletableFuture<Result> result = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    private final List<Long> gaps = new ArrayList<>();
    private long firstTokenNanos = -1;
    private long lastTokenNanos = -1;
    private int generatedTokens;

    Recorder(int image, long startNanos) {
      this.image = image;
      this.startNanos = startNanos;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<CaptionRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(CaptionEvent event) {
      long now = System.nanoTime();
      switch (event.getEventCase()) {
        case TEXT_DELTA -> {
          if (firstTokenNanos < 0) {
            firstTokenNanos = now;
          } else {
            gaps.add(now - lastTokenNanos);
          }
          lastTokenNanos = now;
          text.append(event.getTextDelta().getText());
        }
        case FINISHED -> generatedTokens = event.getFinished().getGeneratedTokens();
        case STARTED, GROUNDED_PHRASE, EVENT_NOT_SET -> {}
      }
    }

    @Override
    public void onError(Throwable error) {
      finish(Status.fromThrowable(error).getCode());
    }

    @Override
    public void onCompleted() {
      finish(Status.Code.OK);
    }

    private void finish(Status.Code code) {
      long[] gapArray = gaps.stream().mapToLong(Long::longValue).toArray();
      result.complete(
          new Result(
              image,
              startNanos,
              firstTokenNanos,
              System.nanoTime(),
              gapArray,
              code,
              text.toString(),
              generatedTokens));
    }
  }
}
