package io.gcgserve.reliability;

import io.gcgserve.harness.PrometheusText;
import io.gcgserve.harness.ServerProcess;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.ListPrunersRequest;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * TLS handshake failures and wrong tokens, on a server of its own with mutual TLS (require) and
 * bearer tokens, certificates made at run time. While a good client (the CA, its certificate, its
 * token) captions in a loop, {@code securityAttempts} connections or calls of each bad kind are
 * made on fresh channels, one at a time at most every {@link #PACE_MS} ms; each must be refused
 * with its documented status and counted in the server's metrics, and the good client must be
 * served throughout.
 */
final class SecurityScenario {

  static final String NAME = "tls-and-tokens";

  /** The shortest time from one bad attempt's start to the next one's. */
  static final long PACE_MS = 100;

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The bad clients, what they lack, and the status they must get. */
  enum Bad {
    NO_CA("client without the CA", Status.Code.UNAVAILABLE),
    NO_CLIENT_CERTIFICATE("no client certificate under require", Status.Code.UNAVAILABLE),
    FOREIGN_CLIENT_CERTIFICATE("client certificate of another CA", Status.Code.UNAVAILABLE),
    WRONG_TOKEN("wrong bearer token", Status.Code.UNAUTHENTICATED),
    NO_TOKEN("no bearer token", Status.Code.UNAUTHENTICATED);

    final String what;
    final Status.Code expected;

    Bad(String what, Status.Code expected) {
      this.what = what;
      this.expected = expected;
    }
  }

  /** The credential files. */
  private record Credentials(
      Path ca,
      Path serverCert,
      Path serverKey,
      Path clientCert,
      Path clientKey,
      Path strangerCert,
      Path strangerKey,
      Path tokens,
      String token) {}

  private SecurityScenario() {}

  static ScenarioResult run(Suite suite)
      throws IOException, InterruptedException, GeneralSecurityException {
    Credentials files = credentials(suite.work().resolve("tls"));
    ServerProcess server =
        suite.startRaw(
            NAME,
            suite.serverArgs(
                "--tls-cert", files.serverCert().toString(),
                "--tls-key", files.serverKey().toString(),
                "--tls-client-ca", files.ca().toString(),
                "--tls-client-auth", "require",
                "--auth-tokens", files.tokens().toString()));
    ManagedChannel good =
        channel(
            server,
            TlsChannelCredentials.newBuilder()
                .trustManager(files.ca().toFile())
                .keyManager(files.clientCert().toFile(), files.clientKey().toFile())
                .build());
    try {
      server.awaitServing(good, Suite.START_TIMEOUT, suite.out());
      return attacks(suite, server, good, files);
    } finally {
      good.shutdownNow();
      server.close();
    }
  }

  private static ScenarioResult attacks(
      Suite suite, ServerProcess server, ManagedChannel good, Credentials files)
      throws IOException, InterruptedException, GeneralSecurityException {
    Metadata token = bearer(files.token());
    int attempts = suite.plan().securityAttempts();
    List<Double> alone = new ArrayList<>();
    for (int i = 0; i < Math.max(4, attempts / 2); i++) {
      alone.add(caption(suite, good, token, i).totalMillis());
    }
    PrometheusText before = server.scrape();
    AtomicBoolean attacking = new AtomicBoolean(true);
    List<CaptionStream.Outcome> during = new ArrayList<>();
    Thread goodClient =
        new Thread(
            () -> {
              for (int i = 0; attacking.get(); i++) {
                try {
                  CaptionStream.Outcome outcome = caption(suite, good, token, i);
                  synchronized (during) {
                    during.add(outcome);
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
              }
            },
            "gcg-reliability-good-client");
    goodClient.start();
    Map<Bad, Map<String, Integer>> statuses = new TreeMap<>();
    for (int i = 0; i < attempts; i++) {
      for (Bad bad : Bad.values()) {
        // at most one attempt per PACE_MS: a stream of bad clients, not a CPU flood on cores the
        // attacker shares with the server
        long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PACE_MS);
        statuses
            .computeIfAbsent(bad, key -> new TreeMap<>())
            .merge(attempt(suite, server, files, bad, i).name(), 1, Integer::sum);
        long left = next - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.sleep(left);
        }
      }
    }
    attacking.set(false);
    goodClient.join(180_000);
    settle(server, before, 3.0 * attempts);
    PrometheusText after = server.scrape();
    List<CaptionStream.Outcome> goodOutcomes;
    synchronized (during) {
      goodOutcomes = List.copyOf(during);
    }
    return SecurityResult.of(NAME, attempts, statuses, alone, goodOutcomes, before, after);
  }

  /** Waits up to 10 s for the handshake failures to be counted (grpc-java logs them late). */
  private static void settle(ServerProcess server, PrometheusText before, double expected)
      throws IOException, InterruptedException {
    double start = before.sum("gcg_tls_handshake_failures_total");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.scrape().sum("gcg_tls_handshake_failures_total") - start < expected
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
  }

  /** One bad connection or call on a fresh channel; its status code. */
  private static Status.Code attempt(
      Suite suite, ServerProcess server, Credentials files, Bad bad, int i)
      throws IOException, InterruptedException {
    TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder();
    if (bad != Bad.NO_CA) {
      credentials.trustManager(files.ca().toFile());
    }
    switch (bad) {
      case FOREIGN_CLIENT_CERTIFICATE ->
          credentials.keyManager(files.strangerCert().toFile(), files.strangerKey().toFile());
      case NO_CA, WRONG_TOKEN, NO_TOKEN ->
          credentials.keyManager(files.clientCert().toFile(), files.clientKey().toFile());
      case NO_CLIENT_CERTIFICATE -> {
        // trusts the server, sends no certificate
      }
    }
    Metadata headers =
        switch (bad) {
          case WRONG_TOKEN -> bearer(Pki.token());
          case NO_TOKEN -> new Metadata();
          default -> bearer(files.token());
        };
    ManagedChannel channel = channel(server, credentials.build());
    try {
      if (bad == Bad.WRONG_TOKEN || bad == Bad.NO_TOKEN) {
        return caption(suite, channel, headers, i).code();
      }
      GroundedCaptionGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .listPruners(ListPrunersRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static CaptionStream.Outcome caption(
      Suite suite, ManagedChannel channel, Metadata headers, int i) throws InterruptedException {
    try {
      return CaptionStream.start(
              channel,
              CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS),
              headers,
              suite.request(i, "none"),
              -1,
              null,
              null)
          .outcome()
          .get(150, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("a call did not end", e);
    }
  }

  private static ManagedChannel channel(ServerProcess server, ChannelCredentials credentials) {
    return NettyChannelBuilder.forAddress("localhost", server.port(), credentials).build();
  }

  private static Metadata bearer(String token) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + token);
    return headers;
  }

  private static Credentials credentials(Path dir) throws IOException, GeneralSecurityException {
    Files.createDirectories(dir);
    Pki.Issued ca = Pki.ca("gcg reliability ca");
    // an impostor CA of the same name: its client certificate is sent, and refused by the check
    Pki.Issued impostor = Pki.ca("gcg reliability ca");
    Credentials files =
        new Credentials(
            dir.resolve("ca.pem"),
            dir.resolve("server.pem"),
            dir.resolve("server.key"),
            dir.resolve("client.pem"),
            dir.resolve("client.key"),
            dir.resolve("stranger.pem"),
            dir.resolve("stranger.key"),
            dir.resolve("tokens.txt"),
            Pki.token());
    ca.write(files.ca(), dir.resolve("ca.key"));
    Pki.leaf(ca, "gcg-serve", true).write(files.serverCert(), files.serverKey());
    Pki.leaf(ca, "good client", false).write(files.clientCert(), files.clientKey());
    Pki.leaf(impostor, "stranger", false).write(files.strangerCert(), files.strangerKey());
    Files.writeString(files.tokens(), files.token() + "\n", StandardCharsets.US_ASCII);
    return files;
  }
}
