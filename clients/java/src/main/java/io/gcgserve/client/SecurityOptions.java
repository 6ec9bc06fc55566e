package io.gcgserve.client;

import java.io.IOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** The transport security flags of {@code gcg-caption}: TLS, mutual TLS and a bearer token. */
final class SecurityOptions {

  @Option(
      names = "--tls",
      description = "Use TLS, verifying the server against the JDK's trust store (or --tls-ca).")
  boolean tls;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      description = "Use TLS, verifying the server against these CA certificates (PEM).")
  @Nullable Path trustedCa;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "Mutual TLS: this client certificate chain (PEM); needs --tls-key.")
  @Nullable Path clientCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "Mutual TLS: the private key of --tls-cert (PEM, PKCS#8).")
  @Nullable Path clientKey;

  @Option(
      names = "--tls-server-name",
      paramLabel = "NAME",
      description = "Check the server certificate for NAME instead of the target's host.")
  @Nullable String serverName;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description = "Send the bearer token in FILE (first line not blank nor # comment).")
  @Nullable Path tokenFile;

  /**
   * The channel security these flags ask for.
   *
   * @throws IllegalArgumentException when the flags do not go together
   * @throws IOException when the token file cannot be read
   */
  ChannelSecurity toSecurity() throws IOException {
    if ((clientCert == null) != (clientKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    boolean useTls = tls || trustedCa != null || clientCert != null || serverName != null;
    ChannelSecurity security =
        useTls ? ChannelSecurity.tls(trustedCa) : ChannelSecurity.plaintext();
    if (clientCert != null && clientKey != null) {
      security = security.withClientCertificate(clientCert, clientKey);
    }
    if (serverName != null) {
      security = security.withServerName(serverName);
    }
    if (tokenFile != null) {
      security = security.withBearerToken(ChannelSecurity.readToken(tokenFile));
    }
    return security;
  }
}
