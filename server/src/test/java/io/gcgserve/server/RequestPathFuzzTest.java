package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.gcgserve.model.image.ImageDecoder;
import io.gcgserve.model.image.InvalidImageException;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.builtin.BuiltInPruners;
import io.gcgserve.server.grpc.CaptionRequestParser;
import io.gcgserve.server.grpc.ParsedCaptionRequest;
import io.gcgserve.server.pruner.PrunerSpecs;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Jazzer fuzz targets of the request path. In a normal test run each replays its committed inputs
 * ({@code src/test/resources/io/gcgserve/server/RequestPathFuzzTestInputs/<target>/}) as a
 * regression test; {@code bin/gcg-fuzz TARGET SECONDS} fuzzes one for a while (see
 * server/README.md, "Fuzzing"). A target fails on any throwable other than the documented client
 * errors.
 */
class RequestPathFuzzTest {

  /** Small enough that every accepted image decodes in milliseconds. */
  private static final ImageDecoder DECODER = new ImageDecoder(512, 512);

  private static final PrunerRegistry REGISTRY = BuiltInPruners.registry();

  /** The bundled model's shape. */
  private static final ModelGeometry GEOMETRY = new ModelGeometry(4, 24, 24, 128, 256);

  /** What a malformed or invalid request may get; never UNKNOWN or INTERNAL. */
  private static final Set<Status.Code> DOCUMENTED =
      Set.of(
          Status.Code.OK,
          Status.Code.INVALID_ARGUMENT,
          Status.Code.NOT_FOUND,
          Status.Code.RESOURCE_EXHAUSTED);

  private static TestServer server;

  private static synchronized TestServer server() throws IOException {
    if (server == null) {
      server = TestServer.started(TestServer.config().setDefaultMaxNewTokens(8));
    }
    return server;
  }

  /** PNG and JPEG bytes through the one image decoder: decoded, or InvalidImageException. */
  @FuzzTest(maxDuration = "2m")
  void imageDecoder(byte[] bytes) {
    try {
      DECODER.inspectAndDecode(bytes);
    } catch (InvalidImageException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  /**
   * Arbitrary bytes as a Caption message, through the real parser, validation, admission and the
   * scripted model of an in-process server: every outcome is a documented status. Four minutes: at
   * ~6,000 executions per second on two cores, what one million takes.
   */
  @FuzzTest(maxDuration = "4m")
  void captionRequest(byte[] bytes) throws IOException {
    ParsedCaptionRequest parsed = CaptionRequestParser.parse(bytes);
    assertThat(parsed.request() == null).isEqualTo(parsed.problem() != null);
    Status.Code code;
    try {
      Iterator<CaptionEvent> events =
          ClientCalls.blockingServerStreamingCall(
              server().channel,
              MalformedRequestTest.RAW_CAPTION,
              CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
              bytes);
      events.forEachRemaining(event -> {});
      code = Status.Code.OK;
    } catch (StatusRuntimeException e) {
      code = e.getStatus().getCode();
    }
    assertThat(DOCUMENTED).as("status of a fuzzed request").contains(code);
    if (parsed.problem() != null) {
      assertThat(code).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
  }

  /**
   * A PrunerSpec (bytes) or a parameter map (names of the pruner's parameters and junk, with junk
   * values) through PrunerSpecs and the factories: a pruner, or InvalidPrunerParameterException.
   */
  @FuzzTest(maxDuration = "2m")
  void prunerParameters(FuzzedDataProvider data) {
    List<PrunerRegistry.Entry> entries = REGISTRY.entries();
    PrunerFactory factory = data.pickValue(entries).factory();
    Map<String, String> parameters = new HashMap<>();
    try {
      if (data.consumeBoolean()) {
        PrunerSpec spec = PrunerSpec.parseFrom(data.consumeBytes(256));
        PrunerFactory named = REGISTRY.find(PrunerSpecs.name(spec));
        factory = named == null ? factory : named;
        parameters.putAll(PrunerSpecs.parameters(spec));
      }
      List<ParameterSpec> specs = factory.parameters();
      int count = data.consumeInt(0, 4);
      for (int i = 0; i < count; i++) {
        String name =
            specs.isEmpty() || data.consumeBoolean()
                ? data.consumeString(16)
                : data.pickValue(specs).name();
        parameters.put(name, data.consumeString(24));
      }
      factory.create(parameters, GEOMETRY);
    } catch (InvalidPrunerParameterException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    } catch (InvalidProtocolBufferException notASpec) {
      // not a PrunerSpec: nothing to check
    }
  }

  /** Closes the in-process server when the JVM ends (fuzzing runs a target many times). */
  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  TestServer running = server;
                  if (running != null) {
                    try {
                      running.close();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                }));
  }
}
