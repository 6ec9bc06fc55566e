package io.gcgserve.server;

import static io.gcgserve.server.config.TransportSettings.TLS_CERT;
import static io.gcgserve.server.config.TransportSettings.TLS_CLIENT_CA;
import static io.gcgserve.server.config.TransportSettings.TLS_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.server.security.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exec probe against a plaintext server and a mutual-TLS one. */
class HealthProbeTest {

  @TempDir Path dir;

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int probe(String... args) throws InterruptedException {
    err.reset();
    return HealthProbe.check(args, new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aPlaintextServerIsProbedByPortAndReportsItsStatus() throws Exception {
    Tls.Running server = Tls.start(Tls.config());
    try {
      String port = Integer.toString(server.port());
      assertThat(probe(port)).isEqualTo(1);
      assertThat(stderr()).contains("NOT_SERVING");
      server.server().loadAndWarmUp();
      assertThat(probe("127.0.0.1:" + port)).isZero();
    } finally {
      Tls.stop(server);
    }
  }

  @Test
  void aMutualTlsServerIsProbedWithTheCaAndAClientCertificate() throws Exception {
    TestPki.Issued ca = TestPki.ca("probe ca");
    Path caFile = dir.resolve("ca.pem");
    TestPki.writeCertificate(caFile, ca.certificate());
    Path serverCert = dir.resolve("server.pem");
    Path serverKey = dir.resolve("server.key");
    TestPki.server(ca, "probe server").write(serverCert, serverKey);
    Path clientCert = dir.resolve("client.pem");
    Path clientKey = dir.resolve("client.key");
    TestPki.client(ca, "kubelet").write(clientCert, clientKey);
    Tls.Running server =
        Tls.start(
            Tls.config()
                .set(TLS_CERT, serverCert)
                .set(TLS_KEY, serverKey)
                .set(TLS_CLIENT_CA, caFile));
    try {
      server.server().loadAndWarmUp();
      String port = Integer.toString(server.port());
      // plaintext, or TLS without a client certificate: the handshake fails
      assertThat(probe(port)).isEqualTo(1);
      assertThat(stderr()).contains("UNAVAILABLE");
      assertThat(probe("--tls-ca", caFile.toString(), port)).isEqualTo(1);
      assertThat(stderr()).contains("UNAVAILABLE");
      assertThat(
              probe(
                  "--tls-ca",
                  caFile.toString(),
                  "--tls-cert",
                  clientCert.toString(),
                  "--tls-key",
                  clientKey.toString(),
                  "--authority",
                  "localhost",
                  port))
          .isZero();
    } finally {
      Tls.stop(server);
    }
  }

  @Test
  void badArgumentsExitTwo() throws Exception {
    assertThat(probe()).isEqualTo(2);
    assertThat(probe("--tls-cert", "c.pem", "50051")).isEqualTo(2);
    assertThat(probe("--tls-ca")).isEqualTo(2);
    assertThat(probe("--tls-ca", dir.resolve("missing.pem").toString(), "50051")).isEqualTo(2);
    assertThat(stderr()).contains("cannot read the TLS files");
  }
}
