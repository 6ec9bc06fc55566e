package io.gcgserve.loadtest;

import com.google.protobuf.ByteString;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GenerationOptions;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.server.accesslog.AccessLogEntry;
import io.grpc.Channel;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Sends a plan and waits for every stream. Open loop: request {@code i} is due at {@code start +
 * offset_i} on the monotonic clock; it is sent then, or, when {@code max_in_flight} streams are
 * already open, as soon as one ends (its latencies still count from the due time). Closed loop:
 * {@code concurrency} streams, each sent as soon as a previous one ends, until the duration is up.
 */
final class LoadRunner {

  /**
   * One run's requests and what the client measured about itself.
   *
   * @param records every sent request, in plan order
   * @param masks each OK request's phrase masks, by plan index (for quality scoring)
   * @param targetRate the open-loop target (NaN for a closed loop)
   * @param achievedRate open loop: (sent − 1) over the time from the first request's due time to
   *     the last actual send (a late start that catches up does not inflate it; a scheduler that
   *     falls behind lowers it); closed loop: completed over first send to last end
   * @param windowSeconds the span the achieved rate is taken over
   * @param wallSeconds the run's wall time, drain included
   * @param cpuSeconds CPU time this process spent during the run (the load tester's own overhead,
   *     and an in-process server's, when there is one)
   * @param lateSends open-loop sends more than 1 ms after their due time
   */
  record RunResult(
      List<RequestRecord> records,
      Map<Integer, List<AccessLogEntry.PhraseMask>> masks,
      double targetRate,
      double achievedRate,
      double windowSeconds,
      double wallSeconds,
      double cpuSeconds,
      int lateSends) {}

  private static final long LATE_NANOS = 1_000_000;

  private final Channel channel;
  private final Clock clock;
  private final Progress progress;

  LoadRunner(Channel channel, Clock clock, Progress progress) {
    this.channel = channel;
    this.clock = clock;
    this.progress = progress;
  }

  /** Runs {@code plan} of {@code workload} over {@code images}. */
  RunResult run(Workload workload, ImageSet images, List<PlannedRequest> plan)
      throws InterruptedException {
    List<ByteString> encoded = new ArrayList<>();
    for (byte[] image : images.bytes()) {
      encoded.add(ByteString.copyFrom(image));
    }
    int slots = workload.closedLoop() ? workload.concurrency() : workload.maxInFlight();
    Semaphore free = new Semaphore(slots);
    ConcurrentLinkedQueue<StreamRecorder.Result> results = new ConcurrentLinkedQueue<>();
    double cpuBefore = processCpuSeconds();
    long start = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    long end = start + Math.round(workload.durationSeconds() * 1e9);
    progress.begin(start);
    long lastSent = -1;
    int sent = 0;
    int late = 0;
    for (PlannedRequest planned : plan) {
      long intended;
      if (workload.closedLoop()) {
        free.acquire();
        intended = clock.nanoTime();
        if (intended >= end) {
          free.release();
          break;
        }
      } else {
        intended = start + planned.offsetNanos();
        clock.sleepUntil(intended);
        free.acquire();
      }
      MixEntry entry = workload.mix().get(planned.mix());
      StreamRecorder recorder =
          new StreamRecorder(
              clock,
              new StreamRecorder.Meta(
                  planned,
                  entry,
                  entry.label(),
                  images.names().get(planned.image()),
                  start,
                  intended),
              result -> {
                results.add(result);
                progress.ended(result.record());
                free.release();
              });
      CaptionRequest request = request(workload, entry, planned, encoded.get(planned.image()));
      GroundedCaptionGrpc.GroundedCaptionStub stub =
          GroundedCaptionGrpc.newStub(channel)
              .withDeadlineAfter(Math.round(workload.deadlineMillis() * 1e6), TimeUnit.NANOSECONDS);
      recorder.sending();
      long now = clock.nanoTime();
      if (now - intended > LATE_NANOS) {
        late++;
      }
      lastSent = now;
      sent++;
      progress.sent();
      stub.caption(request, recorder);
    }
    long drainLimit = Math.round(workload.deadlineMillis()) + 10_000;
    if (!free.tryAcquire(slots, drainLimit, TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          "streams still open " + drainLimit + " ms after the last send, past their deadline");
    }
    progress.finish();
    double wall = (clock.nanoTime() - start) / 1e9;
    return result(workload, results, sent, start, lastSent, wall, cpuBefore, late);
  }

  private static RunResult result(
      Workload workload,
      ConcurrentLinkedQueue<StreamRecorder.Result> results,
      int sent,
      long start,
      long lastSent,
      double wall,
      double cpuBefore,
      int late) {
    List<StreamRecorder.Result> sorted = new ArrayList<>(results);
    sorted.sort(Comparator.comparingInt(result -> result.record().index()));
    List<RequestRecord> records = new ArrayList<>();
    Map<Integer, List<AccessLogEntry.PhraseMask>> masks = new ConcurrentHashMap<>();
    double lastEnd = 0;
    for (StreamRecorder.Result result : sorted) {
      records.add(result.record());
      masks.put(result.record().index(), result.masks());
      lastEnd = Math.max(lastEnd, result.record().sentMs() + result.record().e2eSentMs());
    }
    double window;
    double achieved;
    if (workload.closedLoop()) {
      window = records.isEmpty() ? 0 : (lastEnd - records.get(0).sentMs()) / 1000;
      achieved = window > 0 ? records.size() / window : Double.NaN;
    } else {
      window = (lastSent - start) / 1e9;
      achieved = sent > 1 && window > 0 ? (sent - 1) / window : Double.NaN;
    }
    return new RunResult(
        records,
        masks,
        workload.closedLoop() ? Double.NaN : workload.rate(),
        achieved,
        window,
        wall,
        processCpuSeconds() - cpuBefore,
        late);
  }

  private static CaptionRequest request(
      Workload workload, MixEntry entry, PlannedRequest planned, ByteString image) {
    CaptionRequest.Builder request = CaptionRequest.newBuilder().setImage(image);
    entry.applyTo(request, planned.subjectKey());
    if (workload.maxTokens() > 0) {
      request.setGeneration(GenerationOptions.newBuilder().setMaxNewTokens(workload.maxTokens()));
    }
    return request.build();
  }

  /** CPU seconds this process has used, NaN where the JVM does not tell. */
  static double processCpuSeconds() {
    java.lang.management.OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
    if (bean instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime() / 1e9;
    }
    return Double.NaN;
  }
}
