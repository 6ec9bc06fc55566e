package io.gcgserve.reliability;

import io.gcgserve.harness.PrometheusText;
import io.gcgserve.harness.ServerProcess;
import io.gcgserve.proto.v1.CaptionRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A slow reader: a client whose HTTP/2 flow-control window is {@link #WINDOW_BYTES} and which
 * requests one message at a time, a pause after the previous, so that the server's transport fills
 * and {@code --stream-buffer} holds the request out of decode steps. Other clients' TTFT is
 * measured without and then with the slow reader open; the slow stream must end with the same
 * caption as the same request read at full speed, and the server's backpressure counters must show
 * that it engaged.
 */
final class SlowReaderScenario {

  static final String NAME = "slow-reader";

  /** The slow client's HTTP/2 flow-control window. */
  static final int WINDOW_BYTES = 1024;

  /** Other clients' TTFT p50 with the slow reader may be at most this times the one without... */
  static final double TTFT_RATIO_LIMIT = 1.5;

  /** ... plus this much, for the noise of a shared machine. */
  static final double TTFT_SLACK_MS = 50;

  /** Concurrent other clients. */
  private static final int OTHERS = 2;

  private SlowReaderScenario() {}

  static ScenarioResult run(Suite suite) throws IOException, InterruptedException {
    ServerProcess server = suite.mainServer();
    ManagedChannel channel = suite.mainChannel();
    Plan plan = suite.plan();
    int n = plan.slowReaderRequests();
    // a long caption with PNG masks: more bytes than the transport buffers for one stream
    CaptionRequest slowRequest =
        CaptionStream.request(suite.image(1), "none", plan.maxNewTokens() * 8, true);
    CaptionStream.Outcome reference = suite.closedLoop(channel, 1, 1, i -> slowRequest).get(0);
    List<CaptionStream.Outcome> without =
        suite.closedLoop(channel, n, OTHERS, i -> suite.request(i, "none"));
    suite.progress(NAME, "without the slow reader: TTFT p50 %s ms", Stats.f1(p50(without)));
    PrometheusText before = server.scrape();
    ManagedChannel slowChannel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port())
            .usePlaintext()
            .flowControlWindow(WINDOW_BYTES)
            .build();
    AtomicBoolean slow = new AtomicBoolean(true);
    CaptionStream.Outcome slowOutcome;
    List<CaptionStream.Outcome> with;
    double pausesWhileOthers;
    try {
      CaptionStream slowStream =
          CaptionStream.start(
              slowChannel,
              CallOptions.DEFAULT.withDeadlineAfter(600, TimeUnit.SECONDS),
              new Metadata(),
              slowRequest,
              -1,
              () -> slow.get() ? plan.slowPauseMillis() : 0,
              suite.scheduler());
      awaitPause(server, before, Duration.ofSeconds(30));
      suite.progress(NAME, "the slow reader's stream is held back; measuring the others again");
      with = suite.closedLoop(channel, n, OTHERS, i -> suite.request(i, "none"));
      pausesWhileOthers =
          server.scrape().sum("gcg_stream_backpressure_pauses_total")
              - before.sum("gcg_stream_backpressure_pauses_total");
      slow.set(false);
      slowOutcome = slowStream.outcome().get(300, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the slow stream did not end", e);
    } finally {
      slow.set(false);
      slowChannel.shutdownNow();
    }
    PrometheusText after = server.scrape();
    return result(plan, reference, slowOutcome, without, with, before, after, pausesWhileOthers);
  }

  /** Waits until the server reports a backpressure pause since {@code before}. */
  private static void awaitPause(ServerProcess server, PrometheusText before, Duration timeout)
      throws IOException, InterruptedException {
    double start = before.sum("gcg_stream_backpressure_pauses_total");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (server.scrape().sum("gcg_stream_backpressure_pauses_total") == start
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
  }

  private static double p50(List<CaptionStream.Outcome> outcomes) {
    return quantile(outcomes, 0.5);
  }

  private static ScenarioResult result(
      Plan plan,
      CaptionStream.Outcome reference,
      CaptionStream.Outcome slowOutcome,
      List<CaptionStream.Outcome> without,
      List<CaptionStream.Outcome> with,
      PrometheusText before,
      PrometheusText after,
      double pausesWhileOthers) {
    double pauses =
        after.sum("gcg_stream_backpressure_pauses_total")
            - before.sum("gcg_stream_backpressure_pauses_total");
    double pausedSeconds =
        after.sum("gcg_stream_backpressure_seconds_total")
            - before.sum("gcg_stream_backpressure_seconds_total");
    double p50Without = p50(without);
    double p50With = p50(with);
    boolean othersOk =
        without.stream().allMatch(CaptionStream.Outcome::completed)
            && with.stream().allMatch(CaptionStream.Outcome::completed);
    boolean sameCaption = slowOutcome.completed() && slowOutcome.text().equals(reference.text());
    String figures =
        String.format(
            java.util.Locale.ROOT,
            "slow reader (window %d B, one message per %d ms): %s after %s s, %d events, %d bytes,"
                + " caption %s the full-speed read's; server held it back %.0f times for %s s"
                + " (gcg_stream_backpressure_*; %.0f pauses in all while the others ran); other"
                + " clients (%d requests, %d at a time) TTFT p50 %s ms without, %s ms with (p90 %s / %s ms)",
            WINDOW_BYTES,
            plan.slowPauseMillis(),
            slowOutcome.code(),
            Stats.f1(slowOutcome.totalMillis() / 1000),
            slowOutcome.events(),
            slowOutcome.bytes(),
            sameCaption ? "identical to" : "DIFFERENT from",
            pauses,
            Stats.f1(pausedSeconds),
            pausesWhileOthers,
            plan.slowReaderRequests(),
            OTHERS,
            Stats.f1(p50Without),
            Stats.f1(p50With),
            Stats.f1(quantile(without, 0.9)),
            Stats.f1(quantile(with, 0.9)));
    ScenarioResult.Checks checks =
        new ScenarioResult.Checks()
            .require("backpressure engaged (pauses > 0)", pauses > 0)
            .require("the slow stream completes with the full-speed caption", sameCaption)
            .require("every other request completes", othersOk)
            .measure(
                "others' TTFT p50 with <= "
                    + Stats.f1(TTFT_RATIO_LIMIT)
                    + " x without + "
                    + Stats.f1(TTFT_SLACK_MS)
                    + " ms",
                p50With <= TTFT_RATIO_LIMIT * p50Without + TTFT_SLACK_MS);
    return new ScenarioResult(NAME, figures, checks.list());
  }

  private static double quantile(List<CaptionStream.Outcome> outcomes, double q) {
    return Stats.quantile(outcomes.stream().map(CaptionStream.Outcome::ttftMillis).toList(), q);
  }
}
