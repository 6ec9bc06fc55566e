package io.gcgserve.server.security;

import static io.gcgserve.server.config.TransportSettings.AUTH_TOKENS;
import static io.gcgserve.server.config.TransportSettings.CLIENT_AUTH_REQUIRE;
import static io.gcgserve.server.config.TransportSettings.CREDENTIALS_RELOAD_SECONDS;
import static io.gcgserve.server.config.TransportSettings.METRICS_AUTH_TOKENS;
import static io.gcgserve.server.config.TransportSettings.TLS_CERT;
import static io.gcgserve.server.config.TransportSettings.TLS_CLIENT_AUTH;
import static io.gcgserve.server.config.TransportSettings.TLS_CLIENT_CA;
import static io.gcgserve.server.config.TransportSettings.TLS_KEY;
import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.Authenticator;
import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.config.Setting;
import io.gcgserve.server.metrics.ServingMetrics;
import io.grpc.BindableService;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC port's transport security, built from the transport settings: the TLS credentials (ALPN
 * h2 only, optionally mutual), the bearer-token check of every service but health, the bearer check
 * of {@code /metrics}, the connection limits, and the watch that re-reads the credential files
 * every {@code --credentials-reload-seconds} and on SIGHUP.
 */
@Singleton
public final class TransportSecurity implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TransportSecurity.class);

  private final ServerConfig config;
  private final @Nullable TlsCredentials tls;
  private final @Nullable BearerAuthInterceptor callAuth;
  private final @Nullable MetricsBearerAuthenticator metricsAuth;
  private final List<Reloadable> reloadables = new ArrayList<>();
  private @Nullable ScheduledExecutorService watcher;
  private final @Nullable HandshakeFailures handshakeFailures;

  /**
   * Reads every credential file the settings name.
   *
   * @throws UncheckedIOException naming the flag and the file when one does not load
   */
  @Inject
  public TransportSecurity(ServerConfig config, SecurityMetrics metrics, ServingMetrics serving) {
    this.config = requireNonNull(config, "config is null");
    tls = tlsCredentials(config, metrics);
    handshakeFailures = tls == null ? null : HandshakeFailures.install(metrics);
    TokenFile authTokens = tokenFile(config, AUTH_TOKENS, SecurityMetrics.AUTH_TOKENS, metrics);
    callAuth = authTokens == null ? null : new BearerAuthInterceptor(authTokens, metrics, serving);
    TokenFile metricsTokens =
        tokenFile(config, METRICS_AUTH_TOKENS, SecurityMetrics.METRICS_AUTH_TOKENS, metrics);
    metricsAuth =
        metricsTokens == null ? null : new MetricsBearerAuthenticator(metricsTokens, metrics);
    for (Reloadable reloadable : new Reloadable[] {tls, authTokens, metricsTokens}) {
      if (reloadable != null) {
        reloadables.add(reloadable);
      }
    }
    if (authTokens != null && tls == null) {
      log.warn(
          "--auth-tokens without --tls-cert: bearer tokens cross the network in plaintext;"
              + " use it only on loopback or inside an encrypted network");
    }
  }

  /** Whether the gRPC port speaks TLS. */
  public boolean tls() {
    return tls != null;
  }

  /**
   * How the port is secured: {@code plaintext}, {@code TLS} or {@code mutual TLS (client
   * certificate require|optional)}, followed by {@code , bearer tokens} when calls need one.
   */
  public String description() {
    String transport =
        tls == null
            ? "plaintext"
            : tls.trustManager() == null
                ? "TLS"
                : "mutual TLS (client certificate " + config.get(TLS_CLIENT_AUTH) + ")";
    return callAuth == null ? transport : transport + ", bearer tokens";
  }

  /**
   * A Netty server builder for {@code address}: with the TLS credentials when configured, and every
   * connection limit applied.
   */
  public NettyServerBuilder serverBuilder(SocketAddress address) {
    NettyServerBuilder builder =
        tls == null
            ? NettyServerBuilder.forAddress(address)
            : NettyServerBuilder.forAddress(address, credentials(tls));
    return ConnectionLimits.apply(builder, config);
  }

  private ServerCredentials credentials(TlsCredentials credentials) {
    TlsServerCredentials.Builder builder =
        TlsServerCredentials.newBuilder().keyManager(credentials.keyManager());
    X509ExtendedTrustManager trust = credentials.trustManager();
    if (trust != null) {
      builder
          .trustManager(trust)
          .clientAuth(
              CLIENT_AUTH_REQUIRE.equals(config.get(TLS_CLIENT_AUTH))
                  ? TlsServerCredentials.ClientAuth.REQUIRE
                  : TlsServerCredentials.ClientAuth.OPTIONAL);
    }
    return builder.build();
  }

  /** {@code service} behind the bearer-token check when {@code --auth-tokens} is given. */
  public ServerServiceDefinition protect(ServerServiceDefinition service) {
    return callAuth == null ? service : ServerInterceptors.intercept(service, callAuth);
  }

  /** {@code service} behind the bearer-token check when {@code --auth-tokens} is given. */
  public ServerServiceDefinition protect(BindableService service) {
    return protect(service.bindService());
  }

  /** The bearer check of {@code /metrics}, or null when it is open. */
  public @Nullable Authenticator metricsAuthenticator() {
    return metricsAuth;
  }

  /** Starts re-reading the credential files every {@code --credentials-reload-seconds}. */
  public synchronized void startWatching() {
    int seconds = requireNonNull(config.get(CREDENTIALS_RELOAD_SECONDS), "reload seconds");
    if (watcher != null || seconds == 0 || reloadables.isEmpty()) {
      return;
    }
    ScheduledExecutorService started =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "gcg-credentials-watch");
              thread.setDaemon(true);
              return thread;
            });
    var unused =
        started.scheduleWithFixedDelay(() -> reload(false), seconds, seconds, TimeUnit.SECONDS);
    watcher = started;
  }

  /**
   * Re-reads every credential file whose content changed now (SIGHUP); returns one {@code
   * credential result} pair per file set, e.g. {@code tls applied, auth_tokens unchanged}, or
   * {@code none} when no credential file is configured.
   */
  public String reload() {
    return reload(true);
  }

  private String reload(boolean explicit) {
    List<String> results = new ArrayList<>();
    for (Reloadable reloadable : reloadables) {
      try {
        String result = reloadable.reload(explicit);
        if (result != null) {
          results.add(reloadable.credential() + " " + result);
        }
      } catch (RuntimeException e) {
        // the watch must survive anything one reload throws
        log.warn("reloading {} failed; the credentials in force stay", reloadable.credential(), e);
      }
    }
    return results.isEmpty() ? "none" : String.join(", ", results);
  }

  /** Stops the watch and the count of failed handshakes. */
  @Override
  public synchronized void close() {
    if (handshakeFailures != null) {
      handshakeFailures.close();
    }
    if (watcher != null) {
      watcher.shutdownNow();
      watcher = null;
    }
  }

  private static @Nullable TlsCredentials tlsCredentials(
      ServerConfig config, SecurityMetrics metrics) {
    Path cert = config.get(TLS_CERT);
    Path key = config.get(TLS_KEY);
    if (cert == null || key == null) {
      return null;
    }
    try {
      return new TlsCredentials(cert, key, config.get(TLS_CLIENT_CA), metrics);
    } catch (IOException e) {
      throw new UncheckedIOException("TLS: " + e.getMessage(), e);
    }
  }

  private static @Nullable TokenFile tokenFile(
      ServerConfig config, Setting<Path> setting, String credential, SecurityMetrics metrics) {
    Path file = config.get(setting);
    if (file == null) {
      return null;
    }
    try {
      return new TokenFile(file, credential, metrics);
    } catch (IOException e) {
      throw new UncheckedIOException(setting.flag() + ": " + e.getMessage(), e);
    }
  }
}
