package io.gcgserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.server.accesslog.AccessLogEntry;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1alpha.ServerReflectionGrpc;
import io.grpc.reflection.v1alpha.ServerReflectionRequest;
import io.grpc.reflection.v1alpha.ServerReflectionResponse;
import io.grpc.reflection.v1alpha.ServiceResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bytes that are not a valid CaptionRequest get INVALID_ARGUMENT naming what is wrong, counted like
 * every other rejection; what the transport refuses on its own is counted in {@code
 * gcg_transport_rejections_total}; reflection answers v1alpha clients too.
 */
class MalformedRequestTest {

  /** The invalid UTF-8 of the issue: a broken two-byte sequence, then bytes UTF-8 never uses. */
  static final byte[] NOT_UTF8 = {(byte) 0xc3, 0x28, (byte) 0xff, (byte) 0xfe, 0x41};

  /** Sends {@code bytes} as the Caption request message, unchecked. */
  static final MethodDescriptor<byte[], CaptionEvent> RAW_CAPTION =
      GroundedCaptionGrpc.getCaptionMethod().toBuilder(new RawBytes(), responses()).build();

  private static MethodDescriptor.Marshaller<CaptionEvent> responses() {
    return GroundedCaptionGrpc.getCaptionMethod().getResponseMarshaller();
  }

  /**
   * A valid request with field {@code field} appended as the raw length-delimited {@code value}.
   */
  static byte[] withRawField(com.google.protobuf.MessageLite valid, int field, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(valid.toByteArray());
    out.write((field << 3) | 2);
    out.write(value.length);
    out.writeBytes(value);
    return out.toByteArray();
  }

  static CaptionRequest validRequest() {
    return CaptionRequest.newBuilder().setImage(TestImages.pngBytes(40, 30)).build();
  }

  static Status send(ManagedChannel channel, byte[] bytes) {
    StatusRuntimeException thrown =
        catchThrowableOfType(
            () ->
                ClientCalls.blockingServerStreamingCall(
                        channel,
                        RAW_CAPTION,
                        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                        bytes)
                    .forEachRemaining(event -> {}),
            StatusRuntimeException.class);
    assertThat(thrown).as("the call should fail").isNotNull();
    return thrown.getStatus();
  }

  @Test
  void aPromptThatIsNotUtf8IsInvalidArgumentNamingTheField() throws Exception {
    try (TestServer server = TestServer.started()) {
      byte[] bytes = withRawField(validRequest(), 2, NOT_UTF8);

      Status status = send(server.channel, bytes);

      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription())
          .startsWith("prompt is not valid UTF-8 (its 5 bytes start at byte offset ")
          .contains("protobuf strings must be UTF-8");
      int offset = bytes.length - NOT_UTF8.length;
      assertThat(status.getDescription()).contains("byte offset " + offset + " ");
      assertThat(server.requests("unknown", "INVALID_ARGUMENT")).isEqualTo(1);
    }
  }

  @Test
  void aMalformedRequestGetsAnAccessLogLine(@TempDir Path directory) throws Exception {
    Path log = directory.resolve("access.jsonl");
    TestServer server = TestServer.started(TestServer.config().setAccessLog(log));
    try {
      assertThat(send(server.channel, withRawField(validRequest(), 2, NOT_UTF8)).getCode())
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
    } finally {
      server.close();
    }

    List<AccessLogEntry> lines =
        Files.readAllLines(log).stream().map(AccessLogEntry::parse).toList();
    assertThat(lines).extracting(AccessLogEntry::status).containsExactly("INVALID_ARGUMENT");
    assertThat(lines.get(0).pruner()).isEqualTo("unknown");
  }

  @Test
  void aNestedStringIsNamedByItsPath() throws Exception {
    try (TestServer server = TestServer.started()) {
      byte[] pruner = withRawField(PrunerSpec.getDefaultInstance(), 1, NOT_UTF8);
      byte[] bytes = withRawField(validRequest(), 3, pruner);

      Status status = send(server.channel, bytes);

      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).startsWith("pruner.name is not valid UTF-8");
    }
  }

  @Test
  void bytesThatAreNotAProtobufAreInvalidArgument() throws Exception {
    try (TestServer server = TestServer.started()) {
      // field 1 (image) says 100 bytes follow, and 3 do
      byte[] truncated = {0x0a, 100, 1, 2, 3};

      Status status = send(server.channel, truncated);

      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription())
          .startsWith("the request is not a valid gcg.v1.CaptionRequest protobuf (")
          .contains("send the message your generated gcg.v1 stubs serialise");
      assertThat(server.requests("unknown", "INVALID_ARGUMENT")).isEqualTo(1);
      // and the server still serves well-formed requests
      List<CaptionEvent> events = new ArrayList<>();
      GroundedCaptionGrpc.newBlockingStub(server.channel)
          .caption(validRequest())
          .forEachRemaining(events::add);
      assertThat(events.get(events.size() - 1).hasFinished()).isTrue();
    }
  }

  /**
   * The count of {@code reason}, once it reached {@code expected} or 5 s passed: the server's
   * stream tracer sees a call's close after the client already has its trailers.
   */
  private static double rejections(TestServer server, String reason, double expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (server.transportRejections(reason) < expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return server.transportRejections(reason);
  }

  @Test
  void anOversizedMessageIsCountedAsATransportRejection() throws Exception {
    try (TestServer server = TestServer.overTcp(TestServer.config().setMaxMessageBytes(4096))) {
      CaptionRequest big =
          validRequest().toBuilder().setImage(ByteString.copyFrom(new byte[64 << 10])).build();

      Status status = send(server.channel, big.toByteArray());

      assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(rejections(server, "message_too_large", 1)).isEqualTo(1);
      // the service never saw it, so its counter does not count it
      assertThat(server.requests("unknown", "RESOURCE_EXHAUSTED")).isZero();
      // a rejection the service makes itself is not a transport rejection
      assertThat(send(server.channel, new byte[] {0x0a, 100}).getCode())
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(server.transportRejections("internal")).isZero();
      assertThat(server.transportRejections("message_too_large")).isEqualTo(1);
    }
  }

  @Test
  void anUnknownMethodIsCountedAsATransportRejection() throws Exception {
    try (TestServer server = TestServer.overTcp(TestServer.config())) {
      MethodDescriptor<byte[], CaptionEvent> unknown =
          RAW_CAPTION.toBuilder().setFullMethodName("gcg.v1.GroundedCaption/Nope").build();
      StatusRuntimeException thrown =
          catchThrowableOfType(
              () ->
                  ClientCalls.blockingServerStreamingCall(
                          server.channel, unknown, CallOptions.DEFAULT, new byte[0])
                      .forEachRemaining(event -> {}),
              StatusRuntimeException.class);

      assertThat(thrown.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
      assertThat(rejections(server, "unknown_method", 1)).isEqualTo(1);
    }
  }

  @Test
  void reflectionV1AlphaListsTheServices() throws Exception {
    try (TestServer server = TestServer.started()) {
      CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
      StreamObserver<ServerReflectionRequest> requests =
          ServerReflectionGrpc.newStub(server.channel)
              .serverReflectionInfo(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                      answer.complete(response);
                    }

                    @Override
                    public void onError(Throwable t) {
                      answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                  });
      requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
      requests.onCompleted();

      List<String> services =
          answer.get(30, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
              .map(ServiceResponse::getName)
              .toList();
      assertThat(services)
          .contains(
              "gcg.v1.GroundedCaption",
              "grpc.health.v1.Health",
              "grpc.reflection.v1.ServerReflection",
              "grpc.reflection.v1alpha.ServerReflection");
    }
  }

  /** Passes bytes through unchanged. */
  private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
