package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.gcgserve.proto.v1.Budget;
import io.gcgserve.proto.v1.BudgetKind;
import io.gcgserve.proto.v1.BudgetOutcome;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.FastVParams;
import io.gcgserve.proto.v1.Finished;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.proto.v1.Started;
import io.gcgserve.server.accesslog.AccessLogEntry;
import io.gcgserve.server.config.ServerConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Budgets end to end through the gRPC service, on the scripted model (16 visual tokens). */
class BudgetServiceTest {

  @TempDir Path directory;
  private TestServer server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private void start(ServerConfig config) throws Exception {
    server = TestServer.started(config);
  }

  private static CaptionRequest.Builder request(Budget.Builder budget) {
    return CaptionRequest.newBuilder().setImage(TestImages.pngBytes(40, 30)).setBudget(budget);
  }

  private List<CaptionEvent> captionAll(CaptionRequest request) {
    List<CaptionEvent> events = new ArrayList<>();
    GroundedCaptionGrpc.newBlockingStub(server.channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .caption(request)
        .forEachRemaining(events::add);
    return events;
  }

  private Status failure(CaptionRequest request) {
    Throwable thrown = catchThrowable(() -> captionAll(request));
    assertThat(thrown).isInstanceOf(StatusRuntimeException.class);
    return ((StatusRuntimeException) thrown).getStatus();
  }

  private double budgetRequests(String kind, String outcome) {
    return server.registry().scrape().stream()
        .filter(s -> s.getMetadata().getPrometheusName().equals("gcg_budget_requests"))
        .flatMap(s -> s.getDataPoints().stream())
        .filter(
            p ->
                kind.equals(p.getLabels().get("kind"))
                    && outcome.equals(p.getLabels().get("outcome")))
        .mapToDouble(p -> ((CounterSnapshot.CounterDataPointSnapshot) p).getValue())
        .sum();
  }

  @Test
  void aFlopsBudgetWithoutAPrunerRunsTheBudgetPrunerAndIsMet() throws Exception {
    start(TestServer.config());
    List<CaptionEvent> events =
        captionAll(request(Budget.newBuilder().setMaxFlopsRatio(0.8)).build());
    Started started = events.get(0).getStarted();
    assertThat(started.getPruner()).isEqualTo("altp");
    assertThat(started.getFlopsRatio()).as(started.toString()).isLessThanOrEqualTo(0.8);
    assertThat(started.getBudget().getKind()).isEqualTo(BudgetKind.BUDGET_KIND_FLOPS_RATIO);
    assertThat(started.getBudget().getLimit()).isEqualTo(0.8);
    assertThat(started.getBudget().getOutcome()).isEqualTo(BudgetOutcome.BUDGET_OUTCOME_PLANNED);
    assertThat(started.getBudget().getKeepRatio()).isEqualTo(started.getVisualTokensKept() / 16.0);
    assertThat(started.getBudget().getReason()).contains("budget.max_flops_ratio = 0.8");
    Finished finished = events.get(events.size() - 1).getFinished();
    assertThat(finished.getBudgetOutcome()).isEqualTo(BudgetOutcome.BUDGET_OUTCOME_MET);
    assertThat(budgetRequests("flops_ratio", "met")).isEqualTo(1);
  }

  @Test
  void aTokenBudgetSetsANamedPrunersStrengthAndAFullOneRunsUnpruned() throws Exception {
    start(TestServer.config());
    Started fastv =
        captionAll(
                request(Budget.newBuilder().setMaxVisualTokens(5))
                    .setPruner(PrunerSpec.newBuilder().setName("fastv"))
                    .build())
            .get(0)
            .getStarted();
    assertThat(fastv.getPruner()).isEqualTo("fastv");
    assertThat(fastv.getVisualTokensKept()).isEqualTo(5);
    Started all =
        captionAll(request(Budget.newBuilder().setMaxVisualTokens(100)).build())
            .get(0)
            .getStarted();
    assertThat(all.getPruner()).isEqualTo("none");
    assertThat(all.getVisualTokensKept()).isEqualTo(16);
    assertThat(all.getBudget().getReason()).contains("runs unpruned");
  }

  @Test
  void contradictionsAndImpossibleBudgetsAreInvalidArguments() throws Exception {
    start(TestServer.config());
    int calibration = server.captioner.generations();
    Status both =
        failure(
            request(Budget.newBuilder().setMaxFlopsRatio(0.5))
                .setPruner(
                    PrunerSpec.newBuilder()
                        .setName("fastv")
                        .setFastv(FastVParams.newBuilder().setKeepRatio(0.25)))
                .build());
    assertThat(both.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(both.getDescription())
        .isEqualTo(
            "budget.max_flops_ratio and pruner parameter 'keep_ratio' both set how many visual"
                + " tokens 'fastv' keeps; drop one");
    Status none =
        failure(
            request(Budget.newBuilder().setMaxVisualTokens(4))
                .setPruner(PrunerSpec.newBuilder().setName("none"))
                .build());
    assertThat(none.getDescription()).startsWith("pruner 'none' has no keep setting");
    Status range = failure(request(Budget.newBuilder().setMaxFlopsRatio(1.5)).build());
    assertThat(range.getDescription())
        .isEqualTo(
            "budget.max_flops_ratio must be in (0, 1] (prefill FLOPs over unpruned), got 1.5");
    Status onMissAlone =
        failure(request(Budget.newBuilder().setOnMiss(Budget.OnMiss.ON_MISS_REJECT)).build());
    assertThat(onMissAlone.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(server.captioner.generations()).isEqualTo(calibration);
  }

  @Test
  void rejectAnswersBeforeAnyModelWorkAndBestEffortRunsTheCheapest() throws Exception {
    Path log = directory.resolve("access.jsonl");
    start(TestServer.config().setAccessLog(log));
    int calibration = server.captioner.generations();
    Status refused =
        failure(
            request(Budget.newBuilder().setMaxTtftMs(1e-6).setOnMiss(Budget.OnMiss.ON_MISS_REJECT))
                .build());
    assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getDescription())
        .startsWith(
            "budget.max_ttft_ms = 0.000001 ms cannot be met now: even altp keeping 2 visual tokens");
    assertThat(server.captioner.generations()).isEqualTo(calibration);
    assertThat(budgetRequests("ttft", "rejected")).isEqualTo(1);

    List<CaptionEvent> events = captionAll(request(Budget.newBuilder().setMaxTtftMs(1e-6)).build());
    Started started = events.get(0).getStarted();
    // the floor: --budget-min-keep-ratio 0.1 of 16 tokens, rounded
    assertThat(started.getVisualTokensKept()).isEqualTo(2);
    assertThat(started.getBudget().getOutcome())
        .isEqualTo(BudgetOutcome.BUDGET_OUTCOME_BEST_EFFORT);
    assertThat(started.getBudget().getPredictedTtftMs()).isPositive();
    assertThat(events.get(events.size() - 1).getFinished().getBudgetOutcome())
        .isEqualTo(BudgetOutcome.BUDGET_OUTCOME_MISSED);
    server.close();
    server = null;

    List<AccessLogEntry> lines =
        Files.readAllLines(log).stream().map(AccessLogEntry::parse).toList();
    assertThat(lines)
        .extracting(AccessLogEntry::status)
        .containsExactly("RESOURCE_EXHAUSTED", "OK");
    AccessLogEntry.BudgetEntry rejected = lines.get(0).budget();
    assertThat(rejected.kind()).isEqualTo("ttft");
    assertThat(rejected.onMiss()).isEqualTo("reject");
    assertThat(rejected.outcome()).isEqualTo("rejected");
    assertThat(rejected.keepRatio()).isNull();
    AccessLogEntry.BudgetEntry missed = lines.get(1).budget();
    assertThat(missed.bestEffort()).isTrue();
    assertThat(missed.outcome()).isEqualTo("missed");
    assertThat(missed.keepRatio()).isEqualTo(2 / 16.0);
    assertThat(missed.predictedTtftMs()).isPositive();
  }

  @Test
  void theServerSloDecidesForRequestsThatLeaveTheStrengthOpen() throws Exception {
    start(TestServer.config().setTtftSloMillis(60_000));
    Started open =
        captionAll(CaptionRequest.newBuilder().setImage(TestImages.pngBytes(40, 30)).build())
            .get(0)
            .getStarted();
    assertThat(open.getBudget().getKind()).isEqualTo(BudgetKind.BUDGET_KIND_SERVER_TTFT_SLO);
    assertThat(open.getPruner()).isEqualTo("none");
    Started explicit =
        captionAll(
                CaptionRequest.newBuilder()
                    .setImage(TestImages.pngBytes(40, 30))
                    .setPruner(
                        PrunerSpec.newBuilder()
                            .setName("fastv")
                            .setFastv(FastVParams.newBuilder().setKeepRatio(0.5)))
                    .build())
            .get(0)
            .getStarted();
    assertThat(explicit.hasBudget()).isFalse();
    assertThat(budgetRequests("server_ttft_slo", "met")).isEqualTo(1);
  }
}
