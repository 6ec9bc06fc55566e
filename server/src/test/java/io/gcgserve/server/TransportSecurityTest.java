package io.gcgserve.server;

import static io.gcgserve.server.config.TransportSettings.AUTH_TOKENS;
import static io.gcgserve.server.config.TransportSettings.CLIENT_AUTH_OPTIONAL;
import static io.gcgserve.server.config.TransportSettings.CREDENTIALS_RELOAD_SECONDS;
import static io.gcgserve.server.config.TransportSettings.TLS_CERT;
import static io.gcgserve.server.config.TransportSettings.TLS_CLIENT_AUTH;
import static io.gcgserve.server.config.TransportSettings.TLS_CLIENT_CA;
import static io.gcgserve.server.config.TransportSettings.TLS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.ProvisionException;
import io.gcgserve.client.ChannelSecurity;
import io.gcgserve.client.GcgClient;
import io.gcgserve.model.StepwiseCaptioner;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.ListPrunersRequest;
import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.security.TestPki;
import io.gcgserve.server.security.TestPki.Issued;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS and mutual TLS on the Netty transport, and certificate reloads without a restart. */
class TransportSecurityTest {

  @TempDir Path dir;
  private Issued ca;
  private Path caFile;
  private Path certFile;
  private Path keyFile;

  @BeforeEach
  void issueServerCertificate() throws Exception {
    ca = TestPki.ca("test ca");
    caFile = dir.resolve("ca.pem");
    TestPki.writeCertificate(caFile, ca.certificate());
    certFile = dir.resolve("server.pem");
    keyFile = dir.resolve("server.key");
    TestPki.server(ca, "first").write(certFile, keyFile);
  }

  private ServerConfig tlsConfig() {
    return Tls.config().set(TLS_CERT, certFile).set(TLS_KEY, keyFile);
  }

  private static ManagedChannel channel(Tls.Running server, ChannelCredentials credentials) {
    return Grpc.newChannelBuilderForAddress("localhost", server.port(), credentials).build();
  }

  private ChannelCredentials trustingCa() throws Exception {
    return TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build();
  }

  private static void listPruners(ManagedChannel channel) {
    GroundedCaptionGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listPruners(ListPrunersRequest.getDefaultInstance());
  }

  private static Status.Code failure(ManagedChannel channel) {
    try {
      listPruners(channel);
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void tlsAnswersOverH2AndPlaintextIsRefused() throws Exception {
    Tls.Running server = Tls.start(tlsConfig());
    ManagedChannel tls = channel(server, trustingCa());
    ManagedChannel plain = channel(server, InsecureChannelCredentials.create());
    try {
      assertThat(server.transport()).isEqualTo("TLS");
      Tls.PeerCapture peer = new Tls.PeerCapture();
      GroundedCaptionGrpc.newBlockingStub(tls)
          .withInterceptors(peer)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .listPruners(ListPrunersRequest.getDefaultInstance());
      assertThat(peer.serverName()).isEqualTo("first");
      assertThat(failure(plain)).isEqualTo(Status.Code.UNAVAILABLE);
      awaitCounter(server.registry(), "gcg_tls_handshake_failures", 1);
      assertThat(Tls.counter(server.registry(), "gcg_tls_handshake_failures")).isEqualTo(1);
    } finally {
      tls.shutdownNow();
      plain.shutdownNow();
      Tls.stop(server);
    }
  }

  @Test
  void requiredClientCertificateMustChainToTheClientCa() throws Exception {
    Path clientCert = dir.resolve("client.pem");
    Path clientKey = dir.resolve("client.key");
    TestPki.client(ca, "good client").write(clientCert, clientKey);
    // an impostor CA under the same name: the client sends its certificate, the check refuses it
    Issued otherCa = TestPki.ca("test ca");
    Path strangerCert = dir.resolve("stranger.pem");
    Path strangerKey = dir.resolve("stranger.key");
    TestPki.client(otherCa, "stranger").write(strangerCert, strangerKey);
    Tls.Running server = Tls.start(tlsConfig().set(TLS_CLIENT_CA, caFile));
    ManagedChannel anonymous = channel(server, trustingCa());
    ManagedChannel stranger =
        channel(
            server,
            TlsChannelCredentials.newBuilder()
                .trustManager(caFile.toFile())
                .keyManager(strangerCert.toFile(), strangerKey.toFile())
                .build());
    ManagedChannel client =
        channel(
            server,
            TlsChannelCredentials.newBuilder()
                .trustManager(caFile.toFile())
                .keyManager(clientCert.toFile(), clientKey.toFile())
                .build());
    PrometheusRegistry registry = server.registry();
    try {
      assertThat(server.transport()).isEqualTo("mutual TLS (client certificate require)");
      assertThat(failure(anonymous)).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(failure(stranger)).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(Tls.counter(registry, "gcg_tls_client_certificates_rejected")).isEqualTo(1);
      // both failed handshakes counted (grpc-java reports them a moment after the close)
      awaitCounter(registry, "gcg_tls_handshake_failures", 2);
      assertThat(failure(client)).isEqualTo(Status.Code.OK);
      assertThat(Tls.counter(registry, "gcg_tls_handshake_failures")).isEqualTo(2);
    } finally {
      anonymous.shutdownNow();
      stranger.shutdownNow();
      client.shutdownNow();
      Tls.stop(server);
    }
  }

  @Test
  void optionalClientAuthAcceptsClientsWithoutACertificate() throws Exception {
    Tls.Running server =
        Tls.start(
            tlsConfig().set(TLS_CLIENT_CA, caFile).set(TLS_CLIENT_AUTH, CLIENT_AUTH_OPTIONAL));
    ManagedChannel anonymous = channel(server, trustingCa());
    try {
      assertThat(failure(anonymous)).isEqualTo(Status.Code.OK);
    } finally {
      anonymous.shutdownNow();
      Tls.stop(server);
    }
  }

  @Test
  void reloadGivesNewConnectionsTheNewCertificateAndKeepsOldConnectionsAndRejectsBadFiles()
      throws Exception {
    Tls.Running server = Tls.start(tlsConfig());
    ManagedChannel old = channel(server, trustingCa());
    PrometheusRegistry registry = server.registry();
    try {
      Tls.PeerCapture oldPeer = new Tls.PeerCapture();
      call(old, oldPeer);
      assertThat(oldPeer.serverName()).isEqualTo("first");

      TestPki.server(ca, "second").write(certFile, keyFile);
      assertThat(server.reloadCredentials()).isEqualTo("tls applied");
      assertThat(server.reloadCredentials()).isEqualTo("tls unchanged");

      ManagedChannel fresh = channel(server, trustingCa());
      Tls.PeerCapture freshPeer = new Tls.PeerCapture();
      call(fresh, freshPeer);
      assertThat(freshPeer.serverName()).isEqualTo("second");
      fresh.shutdownNow();
      // the connection made before the reload still works, on its own handshake
      call(old, oldPeer);
      assertThat(oldPeer.serverName()).isEqualTo("first");

      // a certificate whose key is not the one in the key file: refused, "second" stays
      TestPki.writeCertificate(certFile, TestPki.server(ca, "third").certificate());
      assertThat(server.reloadCredentials()).isEqualTo("tls rejected");
      Files.writeString(certFile, "not a certificate");
      assertThat(server.reloadCredentials()).isEqualTo("tls rejected");
      ManagedChannel after = channel(server, trustingCa());
      Tls.PeerCapture afterPeer = new Tls.PeerCapture();
      call(after, afterPeer);
      assertThat(afterPeer.serverName()).isEqualTo("second");
      after.shutdownNow();
      assertThat(
              Tls.counter(
                  registry, "gcg_credentials_reloads", "credential", "tls", "result", "rejected"))
          .isEqualTo(2);
      assertThat(
              Tls.counter(
                  registry, "gcg_credentials_reloads", "credential", "tls", "result", "applied"))
          .isEqualTo(1);
    } finally {
      old.shutdownNow();
      Tls.stop(server);
    }
  }

  @Test
  void theWatchPicksUpChangedFilesWithoutASignal() throws Exception {
    Tls.Running server = Tls.start(tlsConfig().set(CREDENTIALS_RELOAD_SECONDS, 1));
    try {
      TestPki.server(ca, "watched").write(certFile, keyFile);
      String seen = "";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!seen.equals("watched") && System.nanoTime() < deadline) {
        Thread.sleep(200);
        ManagedChannel channel = channel(server, trustingCa());
        Tls.PeerCapture peer = new Tls.PeerCapture();
        call(channel, peer);
        seen = peer.serverName();
        channel.shutdownNow();
      }
      assertThat(seen).isEqualTo("watched");
    } finally {
      Tls.stop(server);
    }
  }

  @Test
  void theJavaClientSpeaksMutualTlsWithABearerToken() throws Exception {
    Path clientCert = dir.resolve("client.pem");
    Path clientKey = dir.resolve("client.key");
    TestPki.client(ca, "java client").write(clientCert, clientKey);
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "# the client's token\nabcdefghijklmnopqrstuvwxyz012345\n");
    Tls.Running server = Tls.start(tlsConfig().set(TLS_CLIENT_CA, caFile).set(AUTH_TOKENS, tokens));
    ChannelSecurity security =
        ChannelSecurity.tls(caFile).withClientCertificate(clientCert, clientKey);
    try (GcgClient withToken =
            GcgClient.connect(
                "localhost:" + server.port(),
                security.withBearerToken(ChannelSecurity.readToken(tokens)));
        GcgClient withoutToken = GcgClient.connect("localhost:" + server.port(), security)) {
      assertThat(server.transport())
          .isEqualTo("mutual TLS (client certificate require), bearer tokens");
      assertThat(withToken.listPruners(Duration.ofSeconds(10)).getPrunersList()).isNotEmpty();
      assertThatThrownBy(() -> withoutToken.listPruners(Duration.ofSeconds(10)))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    } finally {
      Tls.stop(server);
    }
  }

  @Test
  void aKeyThatDoesNotMatchTheCertificateStopsTheStartNamingTheFiles() throws Exception {
    TestPki.writeKey(keyFile, TestPki.server(ca, "other").keys().getPrivate());
    assertThatThrownBy(
            () ->
                GcgServer.create(
                    tlsConfig(),
                    binder ->
                        binder.bind(StepwiseCaptioner.class).toInstance(new ScriptedCaptioner())))
        .isInstanceOf(ProvisionException.class)
        .hasMessageContaining(keyFile + " is not the private key of the first certificate in")
        .hasMessageContaining(certFile.toString());
  }

  /** Waits up to 10 s for counter {@code name} to reach {@code atLeast}. */
  private static void awaitCounter(PrometheusRegistry registry, String name, double atLeast)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (Tls.counter(registry, name) < atLeast && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  private static void call(ManagedChannel channel, Tls.PeerCapture peer) {
    GroundedCaptionGrpc.newBlockingStub(channel)
        .withInterceptors(peer)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listPruners(ListPrunersRequest.getDefaultInstance());
  }
}
