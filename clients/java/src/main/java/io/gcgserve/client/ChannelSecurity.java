package io.gcgserve.client;

import static java.util.Objects.requireNonNull;

import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * How {@link GcgClient#connect(String, ChannelSecurity)} reaches the server: plaintext or TLS
 * (trusting a CA file, or the JDK's trust store), optionally with a client certificate (mutual TLS)
 * and a bearer token sent as {@code authorization: Bearer <token>} on every call. Immutable: each
 * {@code with} method returns a new value.
 */
public final class ChannelSecurity {

  private final boolean tls;
  private final @Nullable Path trustedCa;
  private final @Nullable Path clientCert;
  private final @Nullable Path clientKey;
  private final @Nullable String token;
  private final @Nullable String serverName;

  private ChannelSecurity(
      boolean tls,
      @Nullable Path trustedCa,
      @Nullable Path clientCert,
      @Nullable Path clientKey,
      @Nullable String token,
      @Nullable String serverName) {
    this.tls = tls;
    this.trustedCa = trustedCa;
    this.clientCert = clientCert;
    this.clientKey = clientKey;
    this.token = token;
    this.serverName = serverName;
  }

  /** No TLS: what {@link GcgClient#connect(String)} uses. */
  public static ChannelSecurity plaintext() {
    return new ChannelSecurity(false, null, null, null, null, null);
  }

  /**
   * TLS, verifying the server against the CA certificates in {@code trustedCa} (PEM), or against
   * the JDK's trust store when null.
   */
  public static ChannelSecurity tls(@Nullable Path trustedCa) {
    return new ChannelSecurity(true, trustedCa, null, null, null, null);
  }

  /** Also present this client certificate chain and PKCS#8 key (PEM) for mutual TLS. */
  public ChannelSecurity withClientCertificate(Path cert, Path key) {
    if (!tls) {
      throw new IllegalStateException("a client certificate needs TLS: start from tls(ca)");
    }
    return new ChannelSecurity(
        true,
        trustedCa,
        requireNonNull(cert, "cert is null"),
        requireNonNull(key, "key is null"),
        token,
        serverName);
  }

  /** Also send {@code authorization: Bearer <token>} on every call. */
  public ChannelSecurity withBearerToken(String bearerToken) {
    requireNonNull(bearerToken, "bearerToken is null");
    if (bearerToken.isBlank()) {
      throw new IllegalArgumentException("the bearer token is empty");
    }
    return new ChannelSecurity(tls, trustedCa, clientCert, clientKey, bearerToken, serverName);
  }

  /**
   * Also check the server's certificate for {@code name} instead of the target's host (e.g. when
   * the target is an IP address).
   */
  public ChannelSecurity withServerName(String name) {
    return new ChannelSecurity(
        tls, trustedCa, clientCert, clientKey, token, requireNonNull(name, "name is null"));
  }

  /**
   * The token in {@code file}: its first line that is neither blank nor a {@code #} comment (the
   * server's token file format, so a one-token file works on both sides).
   *
   * @throws IOException when the file cannot be read or holds no token
   */
  public static String readToken(Path file) throws IOException {
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String token = line.strip();
      if (!token.isEmpty() && !token.startsWith("#")) {
        return token;
      }
    }
    throw new IOException(file + ": holds no token (the first line not blank nor # comment)");
  }

  /** Whether the channel uses TLS. */
  public boolean isTls() {
    return tls;
  }

  /** The name the server's certificate is checked for instead of the target's host, or null. */
  public @Nullable String serverName() {
    return serverName;
  }

  /**
   * The gRPC channel credentials.
   *
   * @throws IOException when a CA, certificate or key file cannot be read
   */
  ChannelCredentials credentials() throws IOException {
    ChannelCredentials channel;
    if (tls) {
      TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
      if (trustedCa != null) {
        builder.trustManager(trustedCa.toFile());
      }
      if (clientCert != null && clientKey != null) {
        builder.keyManager(clientCert.toFile(), clientKey.toFile());
      }
      channel = builder.build();
    } else {
      channel = InsecureChannelCredentials.create();
    }
    return token == null ? channel : CompositeChannelCredentials.create(channel, new Bearer(token));
  }

  /** Adds the bearer token to every call. */
  private static final class Bearer extends CallCredentials {

    private static final Metadata.Key<String> AUTHORIZATION =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final String token;

    Bearer(String token) {
      this.token = token;
    }

    @Override
    public void applyRequestMetadata(
        RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + token);
      applier.apply(headers);
    }
  }
}
