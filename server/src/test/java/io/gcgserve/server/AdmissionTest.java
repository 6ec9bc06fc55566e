package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdmissionTest {

  private static CaptionRequest request() {
    return CaptionRequest.newBuilder().setImage(TestImages.pngBytes(16, 16)).build();
  }

  @Test
  void rejectsAtOnceWithResourceExhaustedWhenTheBatchAndQueueAreFull() throws Exception {
    try (TestServer server =
        TestServer.started(TestServer.config().setMaxBatch(1).setQueueCapacity(0))) {
      server.captioner.armGate();
      GroundedCaptionGrpc.GroundedCaptionBlockingStub stub =
          GroundedCaptionGrpc.newBlockingStub(server.channel)
              .withDeadlineAfter(30, TimeUnit.SECONDS);
      Iterator<CaptionEvent> running = stub.caption(request());
      assertThat(running.next().hasStarted()).isTrue();
      server.captioner.awaitBlocked();

      StatusRuntimeException rejected = null;
      try {
        stub.caption(request()).next();
      } catch (StatusRuntimeException e) {
        rejected = e;
      }

      assertThat(rejected).isNotNull();
      assertThat(rejected.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(rejected.getStatus().getDescription())
          .isEqualTo(
              "server is at capacity: 1 request(s) running and 0 waiting"
                  + " (--max-batch, --queue-capacity); retry later");
      // refused at its headers, before its message (and so its pruner) was read
      assertThat(server.requests("unknown", "RESOURCE_EXHAUSTED")).isEqualTo(1);
      assertThat(server.requests("none", "RESOURCE_EXHAUSTED")).isZero();

      server.captioner.release();
      List<CaptionEvent> rest = new ArrayList<>();
      running.forEachRemaining(rest::add);
      assertThat(rest.get(rest.size() - 1).hasFinished()).isTrue();
    }
  }

  @Test
  void slowClientHoldsGenerationBackInsteadOfBuffering() throws Exception {
    try (TestServer server = TestServer.started(TestServer.config().setStreamBufferMessages(1))) {
      GroundedCaptionGrpc.GroundedCaptionBlockingStub stub =
          GroundedCaptionGrpc.newBlockingStub(server.channel)
              .withDeadlineAfter(30, TimeUnit.SECONDS);
      int emittedBefore = server.captioner.tokensEmitted();
      Iterator<CaptionEvent> events = stub.caption(request());
      int read = 0;
      int tokensRead = 0;
      int maxAhead = 0;
      while (events.hasNext()) {
        if (events.next().hasTextDelta()) {
          tokensRead++;
        }
        read++;
        // the model cannot run ahead of the reader by more than the transport's window plus our
        // one-event buffer plus the event being produced
        maxAhead =
            Math.max(maxAhead, server.captioner.tokensEmitted() - emittedBefore - tokensRead);
      }
      assertThat(read).isEqualTo(ScriptedCaptioner.TOKENS.size() + 4);
      assertThat(maxAhead).isLessThanOrEqualTo(3);
    }
  }
}
