package io.gcgserve.reliability;

import static java.util.Objects.requireNonNull;

import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GenerationOptions;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.MaskFormat;
import io.gcgserve.proto.v1.PrunerSpec;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One Caption call driven through {@link ClientCall}, so that a scenario can cancel it after some
 * events, or read it slowly (manual flow control: one message requested at a time, each after a
 * pause). {@link #outcome} completes when the call closes.
 */
final class CaptionStream extends ClientCall.Listener<CaptionEvent> {

  /**
   * How a call ended.
   *
   * @param code its status
   * @param description the status description ("" when none)
   * @param finished whether a {@code Finished} event arrived
   * @param events events received
   * @param bytes serialized bytes of those events
   * @param text the caption: every TextDelta in order, phrases as {@code [phrase]}
   * @param sendNanos when the call started
   * @param firstTokenNanos when the first TextDelta arrived, 0 if none
   * @param endNanos when it closed
   */
  record Outcome(
      Status.Code code,
      String description,
      boolean finished,
      int events,
      long bytes,
      String text,
      long sendNanos,
      long firstTokenNanos,
      long endNanos) {

    /** OK with a Finished event. */
    boolean completed() {
      return code == Status.Code.OK && finished;
    }

    double totalMillis() {
      return (endNanos - sendNanos) / 1e6;
    }

    /** From the send to the first token; NaN without one. */
    double ttftMillis() {
      return firstTokenNanos == 0 ? Double.NaN : (firstTokenNanos - sendNanos) / 1e6;
    }
  }

  private final ClientCall<CaptionRequest, CaptionEvent> call;
  private final int cancelAfterEvents;
  private final @Nullable LongSupplier pauseMillis;
  private final @Nullable ScheduledExecutorService pacer;
  private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
  private final CompletableFuture<Long> firstEvent = new CompletableFuture<>();
  private final StringBuilder text = new StringBuilder();
  private final long sendNanos;
  private boolean finished;
  private int events;
  private long bytes;
  private long firstTokenNanos;

  private CaptionStream(
      ClientCall<CaptionRequest, CaptionEvent> call,
      int cancelAfterEvents,
      @Nullable LongSupplier pauseMillis,
      @Nullable ScheduledExecutorService pacer) {
    this.call = call;
    this.cancelAfterEvents = cancelAfterEvents;
    this.pauseMillis = pauseMillis;
    this.pacer = pacer;
    this.sendNanos = System.nanoTime();
  }

  /** Starts a call that reads at full speed; {@code cancelAfterEvents} < 0 never cancels. */
  static CaptionStream start(
      Channel channel, CallOptions options, CaptionRequest request, int cancelAfterEvents) {
    return start(channel, options, new Metadata(), request, cancelAfterEvents, null, null);
  }

  /**
   * Starts a call. With {@code pauseMillis} and {@code pacer} it requests one message at a time,
   * each {@code pauseMillis} after the previous arrived (a slow reader).
   */
  static CaptionStream start(
      Channel channel,
      CallOptions options,
      Metadata headers,
      CaptionRequest request,
      int cancelAfterEvents,
      @Nullable LongSupplier pauseMillis,
      @Nullable ScheduledExecutorService pacer) {
    ClientCall<CaptionRequest, CaptionEvent> call =
        channel.newCall(GroundedCaptionGrpc.getCaptionMethod(), options);
    CaptionStream stream = new CaptionStream(call, cancelAfterEvents, pauseMillis, pacer);
    call.start(stream, headers);
    call.request(pauseMillis == null ? Integer.MAX_VALUE : 1);
    call.sendMessage(request);
    call.halfClose();
    if (cancelAfterEvents == 0) {
      stream.cancel();
    }
    return stream;
  }

  /** A greedy request of {@code image} with {@code pruner} ({@code none} or at keep 0.25). */
  static CaptionRequest request(byte[] image, String pruner, int maxNewTokens, boolean pngMasks) {
    PrunerSpec.Builder spec = PrunerSpec.newBuilder().setName(pruner);
    if (!pruner.equals("none")) {
      spec.putParams("keep_ratio", "0.25");
    }
    return CaptionRequest.newBuilder()
        .setImage(com.google.protobuf.ByteString.copyFrom(image))
        .setPruner(spec)
        .setGeneration(GenerationOptions.newBuilder().setMaxNewTokens(maxNewTokens))
        .setMaskFormat(pngMasks ? MaskFormat.MASK_FORMAT_PNG : MaskFormat.MASK_FORMAT_COCO_RLE)
        .build();
  }

  /** Cancels the call (the outcome becomes CANCELLED unless it already ended). */
  void cancel() {
    call.cancel("cancelled by the reliability suite", null);
  }

  /** Completes, with its {@link System#nanoTime}, when the first event arrives. */
  CompletableFuture<Long> firstEvent() {
    return firstEvent;
  }

  /** Completes when the call closes. */
  CompletableFuture<Outcome> outcome() {
    return outcome;
  }

  @Override
  public void onMessage(CaptionEvent event) {
    boolean cancelNow;
    synchronized (this) {
      events++;
      firstEvent.complete(System.nanoTime());
      bytes += event.getSerializedSize();
      switch (event.getEventCase()) {
        case TEXT_DELTA -> {
          if (firstTokenNanos == 0) {
            firstTokenNanos = System.nanoTime();
          }
          text.append(event.getTextDelta().getText());
        }
        case GROUNDED_PHRASE ->
            text.append('[').append(event.getGroundedPhrase().getPhrase()).append(']');
        case FINISHED -> finished = true;
        default -> {
          // Started: counted only
        }
      }
      cancelNow = cancelAfterEvents > 0 && events == cancelAfterEvents;
    }
    if (cancelNow) {
      cancel();
      return;
    }
    if (pauseMillis != null) {
      long pause = pauseMillis.getAsLong();
      if (pause <= 0) {
        call.request(1);
      } else {
        var unused =
            requireNonNull(pacer, "pacer")
                .schedule(() -> call.request(1), pause, TimeUnit.MILLISECONDS);
      }
    }
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    synchronized (this) {
      outcome.complete(
          new Outcome(
              status.getCode(),
              status.getDescription() == null ? "" : status.getDescription(),
              finished,
              events,
              bytes,
              text.toString(),
              sendNanos,
              firstTokenNanos,
              System.nanoTime()));
    }
  }
}
