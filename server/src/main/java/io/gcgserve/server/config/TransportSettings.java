package io.gcgserve.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The transport's settings: TLS and mutual TLS, bearer tokens, and the HTTP/2 and connection limits
 * of the gRPC port. Declared apart from {@link ServerSettings} (which lists them in {@link
 * ServerSettings#ALL}) so the security settings read as one group; server/README.md gives the
 * reason for every default.
 */
public final class TransportSettings {

  /** {@link #TLS_CLIENT_AUTH}: a client must present a certificate signed by the client CA. */
  public static final String CLIENT_AUTH_REQUIRE = "require";

  /** {@link #TLS_CLIENT_AUTH}: a client may present one; if it does, it must be valid. */
  public static final String CLIENT_AUTH_OPTIONAL = "optional";

  /** The server's certificate chain, PEM. */
  public static final Setting<Path> TLS_CERT =
      Setting.ofOptionalPath(
          "--tls-cert",
          "FILE",
          "plaintext",
          "Serve gRPC over TLS with this certificate chain (PEM, leaf first); needs --tls-key."
              + " Re-read when it changes.");

  /** The server's private key, PEM PKCS#8. */
  public static final Setting<Path> TLS_KEY =
      Setting.ofOptionalPath(
          "--tls-key",
          "FILE",
          "plaintext",
          "The private key of --tls-cert (PEM, PKCS#8: BEGIN PRIVATE KEY).");

  /** CA certificates that sign client certificates (mutual TLS). */
  public static final Setting<Path> TLS_CLIENT_CA =
      Setting.ofOptionalPath(
          "--tls-client-ca",
          "FILE",
          "no client certificates",
          "Mutual TLS: CA certificates (PEM) that client certificates must chain to.");

  /** Whether a client certificate is required once {@link #TLS_CLIENT_CA} is given. */
  public static final Setting<String> TLS_CLIENT_AUTH =
      Setting.ofText(
              "--tls-client-auth",
              "require|optional",
              CLIENT_AUTH_REQUIRE,
              "With --tls-client-ca: require a client certificate, or accept clients without one"
                  + " (a certificate that is sent must still be valid).")
          .requiring(
              mode -> Set.of(CLIENT_AUTH_REQUIRE, CLIENT_AUTH_OPTIONAL).contains(mode),
              "must be require or optional");

  /** Bearer tokens the gRPC services accept. */
  public static final Setting<Path> AUTH_TOKENS =
      Setting.ofOptionalPath(
          "--auth-tokens",
          "FILE",
          "no token needed",
          "Require 'authorization: Bearer <token>' on every call but health; one token per"
              + " line, # comments. Re-read when it changes.");

  /** Bearer tokens {@code /metrics} accepts. */
  public static final Setting<Path> METRICS_AUTH_TOKENS =
      Setting.ofOptionalPath(
          "--metrics-auth-tokens",
          "FILE",
          "open",
          "Require 'Authorization: Bearer <token>' on /metrics (HTTP 401 without); same format"
              + " as --auth-tokens.");

  /** How often certificate, key, CA and token files are checked for a change. */
  public static final Setting<Integer> CREDENTIALS_RELOAD_SECONDS =
      Setting.ofInteger(
              "--credentials-reload-seconds",
              "SECONDS",
              60,
              "How often the TLS and token files are checked for a change (0 = only on SIGHUP);"
                  + " a change that does not load is logged and the old credentials stay.")
          .requiring(seconds -> seconds >= 0, "must be >= 0");

  /** HTTP/2 MAX_CONCURRENT_STREAMS. */
  public static final Setting<Integer> MAX_CONCURRENT_CALLS_PER_CONNECTION =
      Setting.ofInteger(
              "--max-concurrent-calls-per-connection",
              "N",
              100,
              "Calls one connection may have open at once (HTTP/2 MAX_CONCURRENT_STREAMS);"
                  + " further calls wait in the client.")
          .requiring(calls -> calls >= 1, "must be at least 1");

  /** Shortest keepalive ping interval a client may use. */
  public static final Setting<Integer> PERMIT_KEEPALIVE_TIME_SECONDS =
      Setting.ofInteger(
              "--permit-keepalive-time-seconds",
              "SECONDS",
              20,
              "Clients pinging more often than this (or pinging without an open call) get"
                  + " GOAWAY ENHANCE_YOUR_CALM.")
          .requiring(seconds -> seconds >= 1, "must be at least 1");

  /** Idle connections are closed after this long. */
  public static final Setting<Integer> MAX_CONNECTION_IDLE_SECONDS =
      Setting.ofInteger(
              "--max-connection-idle-seconds",
              "SECONDS",
              300,
              "Close a connection without calls after this long (GOAWAY; 0 = never).")
          .requiring(seconds -> seconds >= 0, "must be >= 0");

  /** Connections are asked to reconnect after this long. */
  public static final Setting<Integer> MAX_CONNECTION_AGE_SECONDS =
      Setting.ofInteger(
              "--max-connection-age-seconds",
              "SECONDS",
              1800,
              "Send GOAWAY to a connection this old so clients reconnect and load balancers"
                  + " rebalance (0 = never).")
          .requiring(seconds -> seconds >= 0, "must be >= 0");

  /** How long calls on an aged-out connection may finish. */
  public static final Setting<Integer> MAX_CONNECTION_AGE_GRACE_SECONDS =
      Setting.ofInteger(
              "--max-connection-age-grace-seconds",
              "SECONDS",
              30,
              "After the age GOAWAY, how long open calls may finish before the connection is"
                  + " closed.")
          .requiring(seconds -> seconds >= 0, "must be >= 0");

  /** Time a new connection has for its TLS and HTTP/2 handshake. */
  public static final Setting<Integer> HANDSHAKE_TIMEOUT_SECONDS =
      Setting.ofInteger(
              "--handshake-timeout-seconds",
              "SECONDS",
              10,
              "Close a connection that has not finished its TLS and HTTP/2 handshake by then.")
          .requiring(seconds -> seconds >= 1, "must be at least 1");

  /** Largest request header list. */
  public static final Setting<Integer> MAX_HEADER_LIST_BYTES =
      Setting.ofInteger(
              "--max-header-list-bytes",
              "BYTES",
              8192,
              "Largest header list (metadata) of a call, HTTP/2 MAX_HEADER_LIST_SIZE.")
          .requiring(bytes -> bytes >= 1024, "must be at least 1024");

  /** HTTP/2 rapid reset protection: RST_STREAM frames allowed per window. */
  public static final Setting<Integer> MAX_RST_FRAMES_PER_WINDOW =
      Setting.ofInteger(
              "--max-rst-frames-per-window",
              "N",
              200,
              "A client that resets more streams than this within the window (below) gets"
                  + " GOAWAY (HTTP/2 rapid reset, CVE-2023-44487; 0 = no limit).")
          .requiring(frames -> frames >= 0, "must be >= 0");

  /** The window of {@link #MAX_RST_FRAMES_PER_WINDOW}. */
  public static final Setting<Integer> RST_FRAMES_WINDOW_SECONDS =
      Setting.ofInteger(
              "--rst-frames-window-seconds",
              "SECONDS",
              10,
              "The window of --max-rst-frames-per-window.")
          .requiring(seconds -> seconds >= 1, "must be at least 1");

  /** Every transport setting, in the order the help lists them. */
  public static final List<Setting<?>> ALL =
      List.of(
          TLS_CERT,
          TLS_KEY,
          TLS_CLIENT_CA,
          TLS_CLIENT_AUTH,
          AUTH_TOKENS,
          METRICS_AUTH_TOKENS,
          CREDENTIALS_RELOAD_SECONDS,
          MAX_CONCURRENT_CALLS_PER_CONNECTION,
          PERMIT_KEEPALIVE_TIME_SECONDS,
          MAX_CONNECTION_IDLE_SECONDS,
          MAX_CONNECTION_AGE_SECONDS,
          MAX_CONNECTION_AGE_GRACE_SECONDS,
          HANDSHAKE_TIMEOUT_SECONDS,
          MAX_HEADER_LIST_BYTES,
          MAX_RST_FRAMES_PER_WINDOW,
          RST_FRAMES_WINDOW_SECONDS);

  private TransportSettings() {}

  /**
   * The rules that span these settings: a certificate and its key go together, and a client CA
   * needs TLS.
   *
   * @throws IllegalArgumentException naming the flags to fix
   */
  static void validate(ServerConfig config) {
    boolean cert = config.get(TLS_CERT) != null;
    boolean key = config.get(TLS_KEY) != null;
    if (cert != key) {
      throw new IllegalArgumentException(
          cert
              ? "--tls-cert needs --tls-key (the certificate's private key)"
              : "--tls-key needs --tls-cert (the certificate chain it belongs to)");
    }
    if (config.get(TLS_CLIENT_CA) != null && !cert) {
      throw new IllegalArgumentException(
          "--tls-client-ca needs TLS: give --tls-cert and --tls-key too");
    }
  }
}
