package io.gcgserve.eval.ab;

import static java.util.Objects.requireNonNull;

import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.GroundedCaptionGrpc.GroundedCaptionStub;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * Sends one Caption request of a drive and records what an A/B client cares about: the final
 * status, the arm the server reported in {@code Started.arm} and in the {@code gcg-arm} response
 * header, and the time from the send to the first {@code TextDelta} (TTFT). The header is read by a
 * client interceptor from the initial metadata, or from the trailers when the server answered with
 * an error and no message (a trailers-only response).
 */
@NullMarked
final class AbDriveCall {

  /** The response header that carries the arm. */
  static final Metadata.Key<String> ARM_HEADER =
      Metadata.Key.of("gcg-arm", Metadata.ASCII_STRING_MARSHALLER);

  /** Where the interceptor puts the {@code gcg-arm} value of one call. */
  private static final CallOptions.Key<AtomicReference<@Nullable String>> HEADER_ARM =
      CallOptions.Key.create("gcg-arm of this call");

  /**
   * What one request got.
   *
   * @param index the request's position in the plan
   * @param code the call's final status
   * @param message the status description of a failed call, null when OK or none was given
   * @param startedArm {@code Started.arm}, null when no Started arrived or its arm was empty
   * @param headerArm the {@code gcg-arm} header, null when absent
   * @param ttftMillis send to first TextDelta, NaN when none arrived
   */
  record Result(
      int index,
      Status.Code code,
      @Nullable String message,
      @Nullable String startedArm,
      @Nullable String headerArm,
      double ttftMillis) {

    /** True for an OK status. */
    boolean ok() {
      return code == Status.Code.OK;
    }
  }

  private final GroundedCaptionStub stub;
  private final long deadlineSeconds;

  /** Calls over {@code channel}, each with a deadline of {@code deadlineSeconds}. */
  AbDriveCall(Channel channel, long deadlineSeconds) {
    this.stub =
        GroundedCaptionGrpc.newStub(
            ClientInterceptors.intercept(
                requireNonNull(channel, "channel is null"), new ArmHeaderReader()));
    this.deadlineSeconds = deadlineSeconds;
  }

  /** Sends {@code request} now; the future completes (never exceptionally) when the stream ends. */
  CompletableFuture<Result> send(int index, CaptionRequest request) {
    AtomicReference<@Nullable String> header = new AtomicReference<>();
    Recorder recorder = new Recorder(index, header, System.nanoTime());
    stub.withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
        .withOption(HEADER_ARM, header)
        .caption(request, recorder);
    return recorder.result;
  }

  /** Copies {@code gcg-arm} into the call's holder, when the call has one. */
  private static final class ArmHeaderReader implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      AtomicReference<@Nullable String> holder = options.getOption(HEADER_ARM);
      ClientCall<Q, R> call = next.newCall(method, options);
      if (holder == null) {
        return call;
      }
      return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<R>(listener) {
                @Override
                public void onHeaders(Metadata received) {
                  holder.compareAndSet(null, received.get(ARM_HEADER));
                  super.onHeaders(received);
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                  // runs before the stub's observer hears of the end, so the result sees it
                  holder.compareAndSet(null, trailers.get(ARM_HEADER));
                  super.onClose(status, trailers);
                }
              },
              headers);
        }
      };
    }
  }

  /** Records one stream's events; gRPC calls it from one thread at a time. */
  private static final class Recorder implements StreamObserver<CaptionEvent> {
    private final CompletableFuture<Result> result = new CompletableFuture<>();
    private final int index;
    private final AtomicReference<@Nullable String> header;
    private final long sentNanos;
    private @Nullable String startedArm;
    private long firstTokenNanos = -1;

    Recorder(int index, AtomicReference<@Nullable String> header, long sentNanos) {
      this.index = index;
      this.header = header;
      this.sentNanos = sentNanos;
    }

    @Override
    public void onNext(CaptionEvent event) {
      switch (event.getEventCase()) {
        case STARTED -> {
          String arm = event.getStarted().getArm();
          startedArm = arm.isEmpty() ? null : arm;
        }
        case TEXT_DELTA -> {
          if (firstTokenNanos < 0) {
            firstTokenNanos = System.nanoTime();
          }
        }
        case GROUNDED_PHRASE, FINISHED, EVENT_NOT_SET -> {}
      }
    }

    @Override
    public void onError(Throwable error) {
      Status status = Status.fromThrowable(error);
      finish(status.getCode(), status.getDescription());
    }

    @Override
    public void onCompleted() {
      finish(Status.Code.OK, null);
    }

    private void finish(Status.Code code, @Nullable String message) {
      double ttft = firstTokenNanos < 0 ? Double.NaN : (firstTokenNanos - sentNanos) / 1e6;
      result.complete(new Result(index, code, message, startedArm, header.get(), ttft));
    }
  }
}
