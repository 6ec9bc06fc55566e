package io.gcgserve.server;

import static io.gcgserve.server.config.TransportSettings.HANDSHAKE_TIMEOUT_SECONDS;
import static io.gcgserve.server.config.TransportSettings.MAX_CONCURRENT_CALLS_PER_CONNECTION;
import static io.gcgserve.server.config.TransportSettings.MAX_CONNECTION_IDLE_SECONDS;
import static io.gcgserve.server.config.TransportSettings.MAX_HEADER_LIST_BYTES;
import static io.gcgserve.server.config.TransportSettings.TLS_CERT;
import static io.gcgserve.server.config.TransportSettings.TLS_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.security.TestPki;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP/2 and connection limits, observed from a client of the Netty transport. */
class ConnectionLimitsTest {

  @TempDir Path dir;

  private static ManagedChannel plaintext(Tls.Running server) {
    return NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  private static Status.Code check(ManagedChannel channel, long deadlineMillis, Metadata headers) {
    try {
      HealthGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
          .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  /** Opens a health Watch, a stream the server keeps open until the client cancels it. */
  private static io.grpc.Context.CancellableContext openWatch(ManagedChannel channel) {
    io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
    context.run(
        () ->
            HealthGrpc.newStub(channel)
                .watch(
                    HealthCheckRequest.getDefaultInstance(),
                    new StreamObserver<HealthCheckResponse>() {
                      @Override
                      public void onNext(HealthCheckResponse value) {}

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    }));
    return context;
  }

  @Test
  void callsBeyondTheLimitOfOneConnectionWaitWhileOtherConnectionsAreServed() throws Exception {
    Tls.Running server = Tls.start(Tls.config().set(MAX_CONCURRENT_CALLS_PER_CONNECTION, 2));
    ManagedChannel channel = plaintext(server);
    ManagedChannel other = plaintext(server);
    try {
      assertThat(check(channel, 10_000, new Metadata())).isEqualTo(Status.Code.OK);
      io.grpc.Context.CancellableContext first = openWatch(channel);
      // one stream open of two: a call still gets through
      assertThat(check(channel, 10_000, new Metadata())).isEqualTo(Status.Code.OK);
      io.grpc.Context.CancellableContext second = openWatch(channel);
      // two of two: the third waits in the client for a free stream until its deadline
      assertThat(check(channel, 1_000, new Metadata())).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      // the limit is per connection: another connection is served at once
      assertThat(check(other, 10_000, new Metadata())).isEqualTo(Status.Code.OK);
      second.cancel(null);
      first.cancel(null);
    } finally {
      channel.shutdownNow();
      other.shutdownNow();
      Tls.stop(server);
    }
  }

  @Test
  void headersOverTheLimitAreRefusedAndSmallerOnesPass() throws Exception {
    Tls.Running server = Tls.start(Tls.config().set(MAX_HEADER_LIST_BYTES, 2048));
    ManagedChannel channel = plaintext(server);
    try {
      Metadata small = new Metadata();
      small.put(Metadata.Key.of("x-pad", Metadata.ASCII_STRING_MARSHALLER), "x".repeat(500));
      Metadata large = new Metadata();
      large.put(Metadata.Key.of("x-pad", Metadata.ASCII_STRING_MARSHALLER), "x".repeat(4000));
      assertThat(check(channel, 10_000, small)).isEqualTo(Status.Code.OK);
      assertThat(check(channel, 10_000, large)).isNotEqualTo(Status.Code.OK);
      assertThat(check(channel, 10_000, small)).isEqualTo(Status.Code.OK);
    } finally {
      channel.shutdownNow();
      Tls.stop(server);
    }
  }

  @Test
  void anIdleConnectionIsClosedByTheServer() throws Exception {
    Tls.Running server = Tls.start(Tls.config().set(MAX_CONNECTION_IDLE_SECONDS, 1));
    ManagedChannel channel = plaintext(server);
    try {
      assertThat(check(channel, 10_000, new Metadata())).isEqualTo(Status.Code.OK);
      assertThat(channel.getState(false)).isEqualTo(ConnectivityState.READY);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (channel.getState(false) == ConnectivityState.READY && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      // GOAWAY after a second without calls: the channel falls back to IDLE
      assertThat(channel.getState(false)).isEqualTo(ConnectivityState.IDLE);
    } finally {
      channel.shutdownNow();
      Tls.stop(server);
    }
  }

  @Test
  void aConnectionThatNeverHandshakesIsClosedAfterTheTimeout() throws Exception {
    Path cert = dir.resolve("server.pem");
    Path key = dir.resolve("server.key");
    TestPki.server(TestPki.ca("limits ca"), "limits").write(cert, key);
    ServerConfig config =
        Tls.config().set(TLS_CERT, cert).set(TLS_KEY, key).set(HANDSHAKE_TIMEOUT_SECONDS, 1);
    Tls.Running server = Tls.start(config);
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
      socket.setSoTimeout(15_000);
      InputStream in = socket.getInputStream();
      int read;
      try {
        read = in.read();
      } catch (SocketTimeoutException e) {
        read = -2;
      } catch (java.net.SocketException e) {
        read = -1; // reset by the server: closed too
      }
      // the server closed the silent connection (-1) well before our 15 s read timeout (-2)
      assertThat(read).isEqualTo(-1);
    } finally {
      Tls.stop(server);
    }
  }
}
