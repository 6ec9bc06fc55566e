package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.gcgserve.model.InvalidRequestException;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.ListPrunersRequest;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.TokenPruner;
import io.gcgserve.pruners.builtin.BuiltInPruners;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Server faults reach the client as INTERNAL with a fixed text and an incident id, never with the
 * exception's own text; the log holds the id with the stack trace; the server serves on.
 */
class ServerFaultTest {

  /** Text that must stay in the server log: a path and a detail a client has no business seeing. */
  private static final String SECRET = "native tensor detail at /opt/weights/model.safetensors";

  private static final Pattern INTERNAL_DESCRIPTION =
      Pattern.compile(
          "internal server error \\(incident ([0-9a-f]{12})\\); the server log holds the details"
              + " under this id");

  private static CaptionRequest request() {
    return CaptionRequest.newBuilder().setImage(TestImages.pngBytes(24, 24)).build();
  }

  private static GroundedCaptionGrpc.GroundedCaptionBlockingStub stub(TestServer server) {
    return GroundedCaptionGrpc.newBlockingStub(server.channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Runs one call to its end; the events it got before failing, and its failure. */
  private static StatusRuntimeException failingCall(TestServer server, CaptionRequest request) {
    List<CaptionEvent> events = new ArrayList<>();
    StatusRuntimeException failure =
        catchThrowableOfType(
            () -> stub(server).caption(request).forEachRemaining(events::add),
            StatusRuntimeException.class);
    assertThat(failure).as("the call should fail").isNotNull();
    return failure;
  }

  private static void assertServesNextRequest(TestServer server) {
    List<CaptionEvent> events = new ArrayList<>();
    stub(server).caption(request()).forEachRemaining(events::add);
    assertThat(events.get(events.size() - 1).hasFinished()).isTrue();
  }

  /** Asserts an INTERNAL status with only the fixed text, and returns its incident id. */
  private static String incidentOf(Status status) {
    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getDescription()).doesNotContain(SECRET);
    Matcher matcher = INTERNAL_DESCRIPTION.matcher(status.getDescription());
    assertThat(matcher.matches()).as("description: %s", status.getDescription()).isTrue();
    return matcher.group(1);
  }

  private static void assertModelFaultIsInternalWithIncidentOnly(RuntimeException fault)
      throws Exception {
    try (TestServer server = TestServer.started();
        CapturedStandardError log = new CapturedStandardError()) {
      server.captioner.failNextAfterFirstToken(fault);

      Status status = failingCall(server, request()).getStatus();

      String incident = incidentOf(status);
      String logged = log.text();
      assertThat(logged).contains("ERROR").contains("incident " + incident);
      assertThat(logged.substring(logged.indexOf("incident " + incident)))
          .contains(fault.getClass().getName() + ": " + SECRET)
          .contains("\tat " + ServerFaultTest.class.getName() + ".");
      assertThat(server.requests("none", "INTERNAL")).isEqualTo(1);
      assertServesNextRequest(server);
      assertThat(server.requests("none", "OK")).isEqualTo(1);
    }
  }

  @Test
  void illegalArgumentMidGenerationIsInternalWithAnIncidentIdAndNoExceptionText() throws Exception {
    assertModelFaultIsInternalWithIncidentOnly(new IllegalArgumentException(SECRET));
  }

  @Test
  void illegalStateMidGenerationIsInternalWithAnIncidentIdAndNoExceptionText() throws Exception {
    assertModelFaultIsInternalWithIncidentOnly(new IllegalStateException(SECRET));
  }

  @Test
  void twoFaultsGetDifferentIncidentIds() throws Exception {
    try (TestServer server = TestServer.started()) {
      server.captioner.failNextAfterFirstToken(new IllegalStateException(SECRET));
      String first = incidentOf(failingCall(server, request()).getStatus());
      server.captioner.failNextAfterFirstToken(new IllegalStateException(SECRET));
      String second = incidentOf(failingCall(server, request()).getStatus());

      assertThat(first).isNotEqualTo(second);
    }
  }

  @Test
  void invalidRequestFromTheModelIsInvalidArgumentWithItsMessage() throws Exception {
    String message = "prompt (500 tokens) plus max_new_tokens (64) exceeds the context of 512";
    try (TestServer server = TestServer.started()) {
      server.captioner.failNextAfterFirstToken(new InvalidRequestException(message));

      Status status = failingCall(server, request()).getStatus();

      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).isEqualTo(message);
      assertServesNextRequest(server);
    }
  }

  @Test
  void pluginThatFailsToCreateItsPrunerGivesInternalWithoutItsText() throws Exception {
    try (TestServer server = TestServer.startedWith(FaultyPlugin::bind)) {
      CaptionRequest request =
          request().toBuilder().setPruner(PrunerSpec.newBuilder().setName("faulty")).build();

      Status status = failingCall(server, request).getStatus();

      incidentOf(status);
      assertThat(server.requests("faulty", "INTERNAL")).isEqualTo(1);
      assertServesNextRequest(server);
    }
  }

  @Test
  void listPrunersWithAPluginFailingToDescribeItselfGivesInternalWithoutItsText() throws Exception {
    try (TestServer server = TestServer.startedWith(FaultyPlugin::bind)) {
      StatusRuntimeException failure =
          catchThrowableOfType(
              () -> stub(server).listPruners(ListPrunersRequest.getDefaultInstance()),
              StatusRuntimeException.class);

      assertThat(failure).isNotNull();
      incidentOf(failure.getStatus());
      assertServesNextRequest(server);
    }
  }

  /** A plugin whose description and pruner creation throw exceptions that carry the secret. */
  private static final class FaultyPlugin implements PrunerFactory {

    static void bind(com.google.inject.Binder binder) {
      binder
          .bind(PrunerRegistry.class)
          .toInstance(new PrunerRegistry(BuiltInPruners.factories(), List.of(new FaultyPlugin())));
    }

    @Override
    public String name() {
      return "faulty";
    }

    @Override
    public String description() {
      throw new IllegalStateException(SECRET);
    }

    @Override
    public List<ParameterSpec> parameters() {
      return List.of();
    }

    @Override
    public TokenPruner create(Map<String, String> rawParameters, ModelGeometry geometry) {
      throw new IllegalArgumentException(SECRET);
    }
  }
}
