package io.gcgserve.loadtest;

import io.gcgserve.proto.v1.BudgetDecision;
import io.gcgserve.proto.v1.BudgetKind;
import io.gcgserve.proto.v1.BudgetOutcome;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.FinishReason;
import io.gcgserve.proto.v1.Finished;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.GroundedPhrase;
import io.gcgserve.proto.v1.ListPrunersRequest;
import io.gcgserve.proto.v1.ListPrunersResponse;
import io.gcgserve.proto.v1.Mask;
import io.gcgserve.proto.v1.Started;
import io.gcgserve.proto.v1.TextDelta;
import io.gcgserve.proto.v1.Timings;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A test double of the server: each Caption stream follows a script (time to first token, the gaps
 * between tokens, after which token a phrase and its mask go out, whether it fails mid-way), with
 * every event sent at {@code call start + its scripted offset} on a timer thread.
 */
final class ScriptedServer extends GroundedCaptionGrpc.GroundedCaptionImplBase
    implements AutoCloseable {

  /**
   * One stream's script.
   *
   * @param ttftMs call start to the first TextDelta (Started goes out with it)
   * @param gapsMs gaps between the following tokens; the stream has {@code gaps + 1} tokens
   * @param phraseAfterToken send a GroundedPhrase right after this token (0-based), -1 for none
   * @param failAfterTokens end with INTERNAL after this many tokens, -1 to finish normally
   */
  record Script(double ttftMs, double[] gapsMs, int phraseAfterToken, int failAfterTokens) {

    static Script steady(double ttftMs, double gapMs, int tokens) {
      double[] gaps = new double[tokens - 1];
      java.util.Arrays.fill(gaps, gapMs);
      return new Script(ttftMs, gaps, 0, -1);
    }
  }

  /** How much earlier than an event's time the timer is asked to wake. */
  private static final long EARLY_NANOS = 1_000_000;

  private final BiFunction<CaptionRequest, Integer, Script> scripts;
  private final AtomicInteger calls = new AtomicInteger();
  private final Map<String, List<Long>> emitted = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer =
      Executors.newScheduledThreadPool(
          4,
          runnable -> {
            Thread thread = new Thread(runnable, "scripted-server");
            thread.setDaemon(true);
            return thread;
          });
  private Server server;
  private ManagedChannel channel;

  /** {@code scripts} maps a request and its 0-based arrival number to its script. */
  ScriptedServer(BiFunction<CaptionRequest, Integer, Script> scripts) {
    this.scripts = scripts;
  }

  /** Starts in process; {@link #channel()} reaches it. */
  ScriptedServer startInProcess() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(this).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    return this;
  }

  /** Starts on a free TCP port of localhost (the transport gRPC finds at run time). */
  ScriptedServer startOnPort() throws IOException {
    server = ServerBuilder.forPort(0).addService(this).build().start();
    return this;
  }

  ManagedChannel channel() {
    return channel;
  }

  int port() {
    return server.getPort();
  }

  /**
   * When the double actually handed each of call {@code id}'s tokens to gRPC, nanoTime: the call's
   * start first, then one entry per token.
   */
  List<Long> emitted(String id) {
    return emitted.get(id);
  }

  int calls() {
    return calls.get();
  }

  @Override
  public void listPruners(
      ListPrunersRequest request, StreamObserver<ListPrunersResponse> responses) {
    responses.onNext(ListPrunersResponse.getDefaultInstance());
    responses.onCompleted();
  }

  @Override
  public void caption(CaptionRequest request, StreamObserver<CaptionEvent> responses) {
    ServerCallStreamObserver<CaptionEvent> stream =
        (ServerCallStreamObserver<CaptionEvent>) responses;
    stream.setOnCancelHandler(() -> {});
    int number = calls.getAndIncrement();
    Script script = scripts.apply(request, number);
    long start = System.nanoTime();
    String id = "call-" + number;
    List<Long> times = new CopyOnWriteArrayList<>(List.of(start));
    emitted.put(id, times);
    emit(stream, request, script, id, times, start, 0, script.ttftMs());
  }

  /**
   * Sends token {@code token} at {@code start + atMs}, then schedules the next one from there: one
   * pending event per stream keeps each stream in order on a pool of timer threads.
   */
  private void emit(
      ServerCallStreamObserver<CaptionEvent> stream,
      CaptionRequest request,
      Script script,
      String id,
      List<Long> times,
      long start,
      int token,
      double atMs) {
    int tokens = script.gapsMs().length + 1;
    schedule(
        start,
        atMs,
        () -> {
          if (stream.isCancelled()) {
            return;
          }
          if (token == 0) {
            stream.onNext(started(request, id));
          }
          times.add(System.nanoTime());
          stream.onNext(
              CaptionEvent.newBuilder()
                  .setTextDelta(TextDelta.newBuilder().setText(" t" + token).setIndex(token))
                  .build());
          if (token == script.phraseAfterToken()) {
            stream.onNext(phrase());
          }
          if (script.failAfterTokens() >= 0 && token + 1 == script.failAfterTokens()) {
            stream.onError(Status.INTERNAL.withDescription("scripted failure").asException());
          } else if (token == tokens - 1) {
            stream.onNext(finished(request, tokens, script.ttftMs()));
            stream.onCompleted();
          } else {
            emit(
                stream,
                request,
                script,
                id,
                times,
                start,
                token + 1,
                atMs + script.gapsMs()[token]);
          }
        });
  }

  private void schedule(long start, double atMs, Runnable event) {
    long target = start + Math.round(atMs * 1e6);
    var unused =
        timer.schedule(
            () -> {
              // the timer wakes up to a few ms late on a loaded machine: wake early, spin the rest
              while (System.nanoTime() < target) {
                Thread.onSpinWait();
              }
              try {
                event.run();
              } catch (IllegalStateException alreadyClosed) {
                // the call ended (cancelled or past its deadline) between the check and the send
              }
            },
            Math.max(0, target - EARLY_NANOS - System.nanoTime()),
            TimeUnit.NANOSECONDS);
  }

  private static CaptionEvent started(CaptionRequest request, String id) {
    Started.Builder started =
        Started.newBuilder()
            .setPruner(
                request.getPruner().getName().isEmpty() ? "none" : request.getPruner().getName())
            .setArm(
                request.getExperiment().isEmpty()
                    ? "none"
                    : "arm-" + (request.getSubjectKey().hashCode() & 1))
            .setExperiment(request.getExperiment())
            .setVisualTokensTotal(576)
            .setVisualTokensKept(144)
            .setFlopsRatio(0.39)
            .setRequestId(id);
    if (request.hasBudget()) {
      started.setBudget(
          BudgetDecision.newBuilder()
              .setKind(BudgetKind.BUDGET_KIND_TTFT)
              .setLimit(request.getBudget().getMaxTtftMs())
              .setKeepRatio(0.25)
              .setPredictedTtftMs(80)
              .setOutcome(BudgetOutcome.BUDGET_OUTCOME_PLANNED));
    }
    return CaptionEvent.newBuilder().setStarted(started).build();
  }

  private static CaptionEvent phrase() {
    return CaptionEvent.newBuilder()
        .setGroundedPhrase(
            GroundedPhrase.newBuilder()
                .setPhrase("red star")
                .setMask(Mask.newBuilder().setRleCounts("04").addSize(2).addSize(2)))
        .build();
  }

  private static CaptionEvent finished(CaptionRequest request, int tokens, double ttftMs) {
    Finished.Builder finished =
        Finished.newBuilder()
            .setFinishReason(FinishReason.FINISH_REASON_END_OF_SEQUENCE)
            .setGeneratedTokens(tokens)
            .setTimings(
                Timings.newBuilder().setTtftMs(ttftMs).setQueueWaitMs(1).setPrefillMs(ttftMs - 1));
    if (request.hasBudget()) {
      finished.setBudgetOutcome(BudgetOutcome.BUDGET_OUTCOME_MET);
    }
    return CaptionEvent.newBuilder().setFinished(finished).build();
  }

  @Override
  public void close() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow();
    }
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
    timer.shutdownNow();
  }
}
