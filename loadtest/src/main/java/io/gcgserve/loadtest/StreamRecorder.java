package io.gcgserve.loadtest;

import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.Finished;
import io.gcgserve.proto.v1.GroundedPhrase;
import io.gcgserve.proto.v1.Started;
import io.gcgserve.server.accesslog.AccessLogEntry;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Times one Caption stream: the clock is read as each event arrives (gRPC delivers them one at a
 * time, on the transport's thread), and at the end the record is handed to {@code done} together
 * with the phrases' masks (kept for quality scoring, not written per request).
 */
final class StreamRecorder implements ClientResponseObserver<CaptionRequest, CaptionEvent> {

  /** What the stream left: its record, and its masks for quality scoring. */
  record Result(RequestRecord record, List<AccessLogEntry.PhraseMask> masks) {}

  /** What the plan says about the request, fixed before it is sent. */
  record Meta(
      PlannedRequest planned,
      MixEntry entry,
      String config,
      String image,
      long runStartNanos,
      long intendedNanos) {}

  private final Clock clock;
  private final Meta meta;
  private final Consumer<Result> done;
  private final StringBuilder caption = new StringBuilder();
  private final List<AccessLogEntry.PhraseMask> masks = new ArrayList<>();
  private long[] tokenNanos = new long[64];
  private int tokens;
  private int phrases;
  private long sentNanos;
  private long firstMaskNanos = -1;
  private @Nullable Started started;
  private @Nullable Finished finished;
  private volatile @Nullable ClientCallStreamObserver<CaptionRequest> call;
  private volatile boolean cancelledByClient;

  StreamRecorder(Clock clock, Meta meta, Consumer<Result> done) {
    this.clock = clock;
    this.meta = meta;
    this.done = done;
  }

  /** Marks the send; call right before starting the call. */
  void sending() {
    sentNanos = clock.nanoTime();
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<CaptionRequest> requestStream) {
    call = requestStream;
  }

  @Override
  public void onNext(CaptionEvent event) {
    long now = clock.nanoTime();
    switch (event.getEventCase()) {
      case STARTED -> started = event.getStarted();
      case TEXT_DELTA -> onToken(now, event.getTextDelta().getText());
      case GROUNDED_PHRASE -> onPhrase(now, event.getGroundedPhrase());
      case FINISHED -> finished = event.getFinished();
      case EVENT_NOT_SET -> {}
    }
  }

  private void onToken(long now, String text) {
    if (tokens == tokenNanos.length) {
      tokenNanos = Arrays.copyOf(tokenNanos, tokens * 2);
    }
    tokenNanos[tokens++] = now;
    caption.append(text);
    int cancelAfter = meta.planned().cancelAfterTokens();
    ClientCallStreamObserver<CaptionRequest> current = call;
    if (cancelAfter > 0 && tokens == cancelAfter && current != null) {
      cancelledByClient = true;
      current.cancel("planned mid-stream cancellation after " + tokens + " tokens", null);
    }
  }

  private void onPhrase(long now, GroundedPhrase phrase) {
    if (firstMaskNanos < 0) {
      firstMaskNanos = now;
    }
    phrases++;
    if (phrase.hasMask() && phrase.getMask().getSizeCount() == 2) {
      masks.add(
          new AccessLogEntry.PhraseMask(
              phrase.getPhrase(), phrase.getMask().getSizeList(), phrase.getMask().getRleCounts()));
    }
  }

  @Override
  public void onError(Throwable error) {
    Status status = Status.fromThrowable(error);
    finish(status.getCode(), status.getDescription());
  }

  @Override
  public void onCompleted() {
    finish(Status.Code.OK, finished == null ? "the stream ended without Finished" : null);
  }

  private void finish(Status.Code code, @Nullable String message) {
    long end = clock.nanoTime();
    String outcome;
    if (code == Status.Code.OK && finished != null) {
      outcome = RequestRecord.OK;
    } else if (code == Status.Code.CANCELLED && cancelledByClient) {
      outcome = RequestRecord.CANCELLED;
    } else if (code == Status.Code.DEADLINE_EXCEEDED) {
      outcome = RequestRecord.DEADLINE;
    } else {
      outcome = RequestRecord.ERROR;
    }
    long intended = meta.intendedNanos();
    List<Double> gaps = new ArrayList<>(Math.max(0, tokens - 1));
    for (int i = 1; i < tokens; i++) {
      gaps.add(millis(tokenNanos[i] - tokenNanos[i - 1]));
    }
    ServerFigures server = ServerFigures.of(started, finished);
    RequestRecord record =
        new RequestRecord(
            meta.planned().index(),
            meta.config(),
            meta.entry().prunerName(),
            keepLabel(server),
            meta.entry().budgetTier(),
            server.arm() == null || server.arm().isEmpty() ? "none" : server.arm(),
            meta.entry().experiment() == null ? null : meta.planned().subjectKey(),
            meta.image(),
            millis(intended - meta.runStartNanos()),
            millis(sentNanos - meta.runStartNanos()),
            code.name(),
            outcome,
            message,
            tokens > 0 ? millis(tokenNanos[0] - intended) : null,
            tokens > 0 ? millis(tokenNanos[0] - sentNanos) : null,
            firstMaskNanos >= 0 ? millis(firstMaskNanos - intended) : null,
            firstMaskNanos >= 0 ? millis(firstMaskNanos - sentNanos) : null,
            millis(end - intended),
            millis(end - sentNanos),
            gaps,
            tokens > 1 ? millis(tokenNanos[tokens - 1] - tokenNanos[0]) / (tokens - 1) : null,
            tokens,
            phrases,
            server,
            null,
            caption.toString());
    done.accept(new Result(record, List.copyOf(masks)));
  }

  private String keepLabel(ServerFigures server) {
    String requested = meta.entry().keepRatio();
    if (requested != null) {
      return requested;
    }
    if ("none".equals(meta.entry().prunerName()) && meta.entry().budget() == null) {
      return "1.0";
    }
    Double reported = server.keepRatio();
    return reported == null ? "-" : String.format(Locale.ROOT, "%.2f", reported);
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }
}
