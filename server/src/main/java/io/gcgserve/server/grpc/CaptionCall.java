package io.gcgserve.server.grpc;

import static java.util.Objects.requireNonNull;

import io.gcgserve.engine.GenerationSink;
import io.gcgserve.model.FinishReason;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.GenerationRequest;
import io.gcgserve.model.GenerationResult;
import io.gcgserve.model.GroundedPhrase;
import io.gcgserve.model.PrefillReport;
import io.gcgserve.model.TokenDelta;
import io.gcgserve.model.image.ImageHeader;
import io.gcgserve.proto.v1.BudgetOutcome;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.MaskFormat;
import io.gcgserve.proto.v1.Timings;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.server.accesslog.AccessLog;
import io.gcgserve.server.budget.Admission;
import io.gcgserve.server.budget.BudgetController;
import io.gcgserve.server.budget.BudgetMetrics;
import io.gcgserve.server.metrics.RequestLabels;
import io.gcgserve.server.metrics.ServingMetrics;
import io.grpc.Deadline;
import io.grpc.Status;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One admitted Caption request as the engine sees it: the {@link GenerationSink} that turns the
 * model's events into stream messages, says whether the client can take more, and ends the call.
 * Every callback runs on the engine's thread and never blocks. Metrics are recorded before the
 * terminal status is sent, so a client that sees the end of its call also sees the gauges settled.
 */
final class CaptionCall implements GenerationSink {

  /** What validation produced; everything the engine needs. */
  record Prepared(
      byte[] image,
      ImageHeader header,
      String prompt,
      BudgetController.Choice choice,
      int occupancy,
      GenerationOptions options,
      MaskFormat maskFormat) {

    String prunerName() {
      return choice.prunerName();
    }

    Map<String, String> prunerParameters() {
      return choice.parameters();
    }

    TokenPruner pruner() {
      return choice.pruner();
    }
  }

  /** A cancel this close to the deadline counts as the deadline passing. */
  static final long DEADLINE_SLACK_MILLIS = 100;

  private final Prepared prepared;
  private final EventStream<CaptionEvent> stream;
  private final @Nullable Deadline deadline;
  private final long admittedNanos;
  private final ServingMetrics metrics;
  private final AccessRecord record;
  private final RequestLabels labels;
  private final AccessLog accessLog;
  private final Admission admission;
  private final BudgetMetrics budgetMetrics;
  private final AtomicBoolean ended = new AtomicBoolean();
  private long startNanos;
  private long firstTokenNanos;
  private long previousTokenNanos;
  private long pausedSinceNanos;

  CaptionCall(
      Prepared prepared,
      EventStream<CaptionEvent> stream,
      @Nullable Deadline deadline,
      long admittedNanos,
      ServingMetrics metrics,
      AccessRecord record,
      AccessLog accessLog,
      Admission admission,
      BudgetMetrics budgetMetrics) {
    this.prepared = requireNonNull(prepared, "prepared is null");
    this.admission = requireNonNull(admission, "admission is null");
    this.budgetMetrics = requireNonNull(budgetMetrics, "budgetMetrics is null");
    this.stream = requireNonNull(stream, "stream is null");
    this.deadline = deadline;
    this.admittedNanos = admittedNanos;
    this.metrics = requireNonNull(metrics, "metrics is null");
    this.record = requireNonNull(record, "record is null");
    this.labels = record.labels();
    this.accessLog = requireNonNull(accessLog, "accessLog is null");
  }

  /** The request to submit: the decoded image, and a cancellation flag that follows the call. */
  GenerationRequest request(ImageRgb image) {
    return new GenerationRequest(
        image, prepared.prompt(), prepared.pruner(), prepared.options(), stream::isCancelled);
  }

  @Override
  public void onStarted() {
    startNanos = System.nanoTime();
    admission.started(startNanos);
    metrics.started();
    metrics.queueWait(seconds(startNanos - admittedNanos));
  }

  @Override
  public boolean canTakeStep() {
    boolean room = stream.hasRoom();
    if (!room && pausedSinceNanos == 0) {
      pausedSinceNanos = System.nanoTime();
      metrics.backpressurePaused();
    } else if (room && pausedSinceNanos != 0) {
      resumed();
    }
    return room;
  }

  private void resumed() {
    metrics.backpressureResumed(seconds(System.nanoTime() - pausedSinceNanos));
    pausedSinceNanos = 0;
  }

  @Override
  public void onPrefill(PrefillReport report) {
    admission.prefilled(System.nanoTime(), report);
    record.prefill(report);
    metrics.prefill(
        labels, report.visualTokensKept(), report.flopsRatio(), report.prunerMillis() / 1e3);
    emit(
        ProtoEvents.started(
            prepared.prunerName(),
            record.choice(),
            record.requestId(),
            report,
            admission.decision()));
  }

  @Override
  public void onToken(TokenDelta delta) {
    long now = System.nanoTime();
    if (firstTokenNanos == 0) {
      firstTokenNanos = now;
      record.firstToken(now);
      admission.firstToken(millis(now - admittedNanos));
      metrics.timeToFirstToken(labels, seconds(now - admittedNanos));
    } else {
      metrics.interTokenLatency(labels, seconds(now - previousTokenNanos));
    }
    previousTokenNanos = now;
    record.token(delta.text());
    emit(ProtoEvents.textDelta(delta));
  }

  @Override
  public void onGroundedPhrase(GroundedPhrase phrase) {
    CaptionEvent event = ProtoEvents.groundedPhrase(phrase, prepared.maskFormat());
    record.phrase(phrase.phrase(), event.getGroundedPhrase().getMask());
    emit(event);
  }

  /** Queues an event; a transport failure propagates, and the engine fails this request. */
  private void emit(CaptionEvent event) {
    stream.offer(event);
  }

  @Override
  public void onFinished(GenerationResult result) {
    Status status;
    if (result.finishReason() == FinishReason.CANCELLED || stream.isCancelled()) {
      status = cancelledStatus();
    } else {
      long endNanos = System.nanoTime();
      metrics.generatedTokens(labels, result.generatedTokens());
      metrics.requestDuration(labels, seconds(endNanos - admittedNanos));
      Timings timings =
          Timings.newBuilder()
              .setQueueWaitMs(millis(startNanos - admittedNanos))
              .setPrefillMs(result.prefill().prefillMillis())
              .setDecodeMs(result.decodeMillis())
              .setTotalMs(millis(endNanos - admittedNanos))
              .setTtftMs(firstTokenNanos == 0 ? 0 : millis(firstTokenNanos - admittedNanos))
              .build();
      record.finished(
          result.finishReason(),
          result.generatedTokens(),
          timings.getQueueWaitMs(),
          timings.getPrefillMs(),
          timings.getDecodeMs());
      stream.offer(ProtoEvents.finished(result, timings, budgetOutcome(result, timings)));
      status = Status.OK;
    }
    end(status);
  }

  /** Whether the budget was met, counted and logged; UNSPECIFIED without a budget. */
  private BudgetOutcome budgetOutcome(GenerationResult result, Timings timings) {
    double ttft = firstTokenNanos == 0 ? Double.NaN : timings.getTtftMs();
    BudgetOutcome outcome = admission.outcome(ttft, result.prefill());
    BudgetController.Decision decision = admission.decision();
    if (decision != null) {
      boolean met = outcome == BudgetOutcome.BUDGET_OUTCOME_MET;
      budgetMetrics.ended(decision, met, ttft);
      record.budgetOutcome(met ? "met" : "missed");
    }
    return outcome;
  }

  @Override
  public void onFailed(Throwable failure) {
    end(StatusMapper.toStatus(failure));
  }

  /** Ends the call once, whoever ends it: the engine, or the service when submitting failed. */
  void end(Status status) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    admission.ended();
    if (pausedSinceNanos != 0) {
      resumed();
    }
    if (startNanos != 0) {
      metrics.finished();
    } else {
      metrics.dequeuedWithoutRunning();
    }
    long cancelledNanos = stream.cancelledNanos();
    if (cancelledNanos != 0) {
      metrics.cancellationReleased(seconds(System.nanoTime() - cancelledNanos));
    }
    metrics.requestFinished(labels, status.getCode().name());
    accessLog.record(record.entry(status.getCode().name(), System.nanoTime()));
    stream.finish(status);
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

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }
}
