package io.gcgserve.server;

import static io.gcgserve.server.config.TransportSettings.MAX_CONNECTION_AGE_GRACE_SECONDS;
import static io.gcgserve.server.config.TransportSettings.MAX_CONNECTION_AGE_SECONDS;
import static io.gcgserve.server.config.TransportSettings.MAX_RST_FRAMES_PER_WINDOW;
import static io.gcgserve.server.config.TransportSettings.PERMIT_KEEPALIVE_TIME_SECONDS;
import static io.gcgserve.server.config.TransportSettings.RST_FRAMES_WINDOW_SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Keepalive enforcement, the connection age limit and rapid-reset protection, observed from
 * clients: a bare HTTP/2 client for the pings and resets grpc-java's client will not send, and a
 * grpc-java channel for the age limit.
 */
class Http2LimitsTest {

  private static final String HEALTH_CHECK = "/grpc.health.v1.Health/Check";

  @Test
  void aClientPingingTooOftenGetsGoAwayEnhanceYourCalmAndIsDisconnected() throws Exception {
    Tls.Running server = Tls.start(Tls.config().set(PERMIT_KEEPALIVE_TIME_SECONDS, 20));
    try (RawHttp2 client = RawHttp2.connect(server.port())) {
      // no call open (pings are then never permitted) and far faster than every 20 s: grpc-java
      // tolerates two such pings and answers the third with GOAWAY
      for (int i = 0; i < 5; i++) {
        client.ping(i);
      }
      RawHttp2.GoAway goAway = client.awaitGoAway();
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isEqualTo(RawHttp2.ENHANCE_YOUR_CALM);
      assertThat(goAway.debug()).isEqualTo("too_many_pings");
      assertThat(client.closedByServer()).isTrue();
    } finally {
      Tls.stop(server);
    }
  }

  @Test
  void aClientPingingWithinThePolicyKeepsItsConnection() throws Exception {
    Tls.Running server = Tls.start(Tls.config().set(PERMIT_KEEPALIVE_TIME_SECONDS, 20));
    try (RawHttp2 client = RawHttp2.connect(server.port())) {
      // one ping is one strike, within grpc-java's two: answered, and the connection stays
      assertThat(client.answersPing(42)).isTrue();
    } finally {
      Tls.stop(server);
    }
  }

  @Test
  void aClientResettingStreamsFasterThanTheLimitLosesItsConnection() throws Exception {
    Tls.Running server =
        Tls.start(
            Tls.config().set(MAX_RST_FRAMES_PER_WINDOW, 10).set(RST_FRAMES_WINDOW_SECONDS, 10));
    try (RawHttp2 client = RawHttp2.connect(server.port())) {
      for (int i = 0; i < 30; i++) {
        client.reset(client.openCall(HEALTH_CHECK));
      }
      RawHttp2.GoAway goAway = client.awaitGoAway();
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isEqualTo(RawHttp2.ENHANCE_YOUR_CALM);
      assertThat(client.closedByServer()).isTrue();
    } finally {
      Tls.stop(server);
    }
  }

  @Test
  void resetsWithinTheLimitKeepTheConnection() throws Exception {
    Tls.Running server =
        Tls.start(
            Tls.config().set(MAX_RST_FRAMES_PER_WINDOW, 10).set(RST_FRAMES_WINDOW_SECONDS, 10));
    try (RawHttp2 client = RawHttp2.connect(server.port())) {
      for (int i = 0; i < 8; i++) {
        client.reset(client.openCall(HEALTH_CHECK));
      }
      assertThat(client.answersPing(7)).isTrue();
    } finally {
      Tls.stop(server);
    }
  }

  @Test
  void anAgedConnectionIsReplacedWhileItsOpenCallRunsUntilTheGraceEnds() throws Exception {
    Tls.Running server =
        Tls.start(
            Tls.config()
                .set(MAX_CONNECTION_AGE_SECONDS, 1)
                .set(MAX_CONNECTION_AGE_GRACE_SECONDS, 4));
    LocalAddress local = new LocalAddress();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port())
            .usePlaintext()
            .intercept(local)
            .build();
    try {
      HealthGrpc.HealthBlockingStub health =
          HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
      health.check(HealthCheckRequest.getDefaultInstance());
      SocketAddress first = local.last.get();
      // a stream the server never ends by itself
      CompletableFuture<Status> watch = new CompletableFuture<>();
      HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), observer(watch));
      // past the age the server sends GOAWAY: new calls go over a new connection ...
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (first.equals(local.last.get()) && System.nanoTime() < deadline) {
        Thread.sleep(100);
        HealthGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance());
      }
      assertThat(local.last.get()).isNotEqualTo(first);
      // ... while the call open on the old one goes on through the grace ...
      assertThat(watch).isNotDone();
      // ... and ends when the grace runs out and the old connection is closed
      Status ended = watch.get(30, TimeUnit.SECONDS);
      assertThat(ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      // the channel serves on over its new connection
      assertThat(
              HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.getDefaultInstance())
                  .getStatus())
          .isNotNull();
    } finally {
      channel.shutdownNow();
      Tls.stop(server);
    }
  }

  private static StreamObserver<HealthCheckResponse> observer(CompletableFuture<Status> ended) {
    return new StreamObserver<>() {
      @Override
      public void onNext(HealthCheckResponse value) {}

      @Override
      public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        ended.complete(Status.OK);
      }
    };
  }

  /** Records the local address of the connection the last call that got headers went over. */
  private static final class LocalAddress implements ClientInterceptor {
    final AtomicReference<SocketAddress> last = new AtomicReference<>();

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
          ClientCall<ReqT, RespT> call = this;
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onHeaders(Metadata headers) {
                  SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR);
                  if (address != null) {
                    last.set(address);
                  }
                  super.onHeaders(headers);
                }
              },
              headers);
        }
      };
    }
  }
}
