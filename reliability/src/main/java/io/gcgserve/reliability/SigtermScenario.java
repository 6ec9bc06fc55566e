package io.gcgserve.reliability;

import io.gcgserve.harness.ServerProcess;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.ListPrunersRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * SIGTERM under load, on the shared server, so it runs last ({@code --drain-delay-seconds 2}, see
 * {@link Suite#MAIN_SERVER_ARGS}): streams in flight when the signal arrives must all complete with
 * {@code Finished}, health must turn NOT_SERVING before any new call is refused, new calls after
 * the delay must get UNAVAILABLE, and the process must exit 0 (nothing cancelled by the grace
 * running out).
 */
final class SigtermScenario {

  static final String NAME = "sigterm";

  static final int DRAIN_DELAY_SECONDS = 2;

  private SigtermScenario() {}

  static ScenarioResult run(Suite suite) throws IOException, InterruptedException {
    ServerProcess server = suite.mainServer();
    ManagedChannel streams = Suite.plaintext(server.port());
    ManagedChannel health = Suite.plaintext(server.port());
    ManagedChannel probes = Suite.plaintext(server.port());
    try {
      return underLoad(suite, server, streams, health, probes);
    } finally {
      streams.shutdownNow();
      health.shutdownNow();
      probes.shutdownNow();
      suite.stopMainServer();
    }
  }

  private static ScenarioResult underLoad(
      Suite suite,
      ServerProcess server,
      ManagedChannel streams,
      ManagedChannel health,
      ManagedChannel probes)
      throws InterruptedException {
    Plan plan = suite.plan();
    int count = plan.sigtermStreams();
    List<CaptionStream> inFlight = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // long captions, so that they are still decoding when the signal comes
      inFlight.add(
          CaptionStream.start(
              streams,
              CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS),
              CaptionStream.request(suite.image(i), "none", plan.maxNewTokens() * 4, false),
              -1));
    }
    for (CaptionStream stream : inFlight) {
      try {
        stream.firstEvent().get(120, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("a stream got no event within 120 s", e);
      }
    }
    long running = inFlight.stream().filter(stream -> !stream.outcome().isDone()).count();
    AtomicLong notServingAt = new AtomicLong();
    AtomicLong firstRefusedAt = new AtomicLong();
    AtomicInteger servedAfterSignal = new AtomicInteger();
    long signalAt = System.nanoTime();
    server.sigterm();
    suite.progress(NAME, "SIGTERM sent with %d of %d streams decoding", running, count);
    Thread healthPoller = poller("health", () -> pollHealth(health, notServingAt));
    Thread probePoller =
        poller("probe", () -> pollNewCalls(probes, firstRefusedAt, servedAfterSignal));
    List<CompletableFuture<CaptionStream.Outcome>> outcomes = new ArrayList<>();
    inFlight.forEach(stream -> outcomes.add(stream.outcome()));
    List<CaptionStream.Outcome> ended = Suite.join(outcomes, Duration.ofSeconds(120));
    int exit = server.awaitExit(Duration.ofSeconds(90));
    long exitedAt = System.nanoTime();
    healthPoller.interrupt();
    probePoller.interrupt();
    healthPoller.join(5000);
    probePoller.join(5000);
    long completed = ended.stream().filter(CaptionStream.Outcome::completed).count();
    List<String> lost =
        ended.stream()
            .filter(outcome -> !outcome.completed())
            .map(OverloadScenario::describe)
            .toList();
    double notServingMs = since(signalAt, notServingAt.get());
    double refusedMs = since(signalAt, firstRefusedAt.get());
    String figures =
        String.format(
            java.util.Locale.ROOT,
            "%d streams, %d decoding at SIGTERM: %d completed with Finished, lost %s; health"
                + " NOT_SERVING"
                + " %s ms after the signal; %d new calls served during the %d s delay, first"
                + " UNAVAILABLE %s ms after the signal; exit status %d after %s s",
            count,
            running,
            completed,
            lost,
            Stats.f1(notServingMs),
            servedAfterSignal.get(),
            DRAIN_DELAY_SECONDS,
            Stats.f1(refusedMs),
            exit,
            Stats.f1((exitedAt - signalAt) / 1e9));
    ScenarioResult.Checks checks =
        new ScenarioResult.Checks()
            .require("streams in flight at the signal", running > 0)
            .require("zero in-flight streams lost", completed == count)
            .require(
                "health NOT_SERVING before the first refusal",
                notServingAt.get() != 0
                    && firstRefusedAt.get() != 0
                    && notServingAt.get() < firstRefusedAt.get())
            .require("new calls after the delay get UNAVAILABLE", firstRefusedAt.get() != 0)
            .require("exit status 0", exit == 0);
    return new ScenarioResult(NAME, figures, checks.list());
  }

  private static double since(long start, long at) {
    return at == 0 ? Double.NaN : (at - start) / 1e6;
  }

  private static Thread poller(String name, Runnable loop) {
    Thread thread = new Thread(loop, "gcg-reliability-" + name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** Checks health every 5 ms until NOT_SERVING (or the server is gone). */
  private static void pollHealth(ManagedChannel channel, AtomicLong notServingAt) {
    HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(channel);
    while (!Thread.currentThread().isInterrupted()) {
      try {
        ServingStatus status =
            stub.withDeadlineAfter(2, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus();
        if (status == ServingStatus.NOT_SERVING) {
          notServingAt.compareAndSet(0, System.nanoTime());
          return;
        }
        Thread.sleep(5);
      } catch (StatusRuntimeException e) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Sends a new call every 20 ms until one is refused with UNAVAILABLE. */
  private static void pollNewCalls(
      ManagedChannel channel, AtomicLong firstRefusedAt, AtomicInteger served) {
    GroundedCaptionGrpc.GroundedCaptionBlockingStub stub =
        GroundedCaptionGrpc.newBlockingStub(channel);
    while (!Thread.currentThread().isInterrupted()) {
      try {
        stub.withDeadlineAfter(2, TimeUnit.SECONDS)
            .listPruners(ListPrunersRequest.getDefaultInstance());
        served.incrementAndGet();
        Thread.sleep(20);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
          firstRefusedAt.compareAndSet(0, System.nanoTime());
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
