package io.gcgserve.server.security;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The transport security's metrics: refused calls by reason, credential reloads by result, client
 * certificates refused, and when the served certificate expires.
 */
@Singleton
public final class SecurityMetrics {

  /** {@code credential} label of the TLS certificate, key and client CA together. */
  static final String TLS = "tls";

  /** {@code credential} label of the gRPC bearer tokens. */
  static final String AUTH_TOKENS = "auth_tokens";

  /** {@code credential} label of the {@code /metrics} bearer tokens. */
  static final String METRICS_AUTH_TOKENS = "metrics_auth_tokens";

  private final Counter authRefused;
  private final Counter reloads;
  private final Counter clientCertificatesRejected;
  private final Gauge certificateExpiry;
  private final Counter handshakeFailures;

  /** Registers every metric with {@code registry}. */
  @Inject
  public SecurityMetrics(PrometheusRegistry registry) {
    requireNonNull(registry, "registry is null");
    authRefused =
        Counter.builder()
            .name("gcg_auth_refused_total")
            .help(
                "Calls and scrapes refused for their bearer token, by reason: missing, malformed"
                    + " (not 'Bearer <token>'), unknown; by endpoint: grpc or metrics.")
            .labelNames("endpoint", "reason")
            .register(registry);
    reloads =
        Counter.builder()
            .name("gcg_credentials_reloads_total")
            .help(
                "Reads of changed credential files (tls, auth_tokens, metrics_auth_tokens) by"
                    + " result: applied, rejected (the old credentials stay), unchanged (SIGHUP"
                    + " with the same content).")
            .labelNames("credential", "result")
            .register(registry);
    clientCertificatesRejected =
        Counter.builder()
            .name("gcg_tls_client_certificates_rejected_total")
            .help("TLS handshakes refused because the client certificate did not verify.")
            .register(registry);
    certificateExpiry =
        Gauge.builder()
            .name("gcg_tls_certificate_expiry_timestamp_seconds")
            .help("When the served certificate expires, Unix seconds (alert well before).")
            .register(registry);
    handshakeFailures =
        Counter.builder()
            .name("gcg_tls_handshake_failures_total")
            .help(
                "TLS handshakes of the gRPC port that failed: no or a refused client certificate,"
                    + " a client that refused ours, plaintext or garbage on the TLS port.")
            .register(registry);
  }

  void refused(String endpoint, String reason) {
    authRefused.labelValues(endpoint, reason).inc();
  }

  void reloaded(String credential, String result) {
    reloads.labelValues(credential, result).inc();
  }

  void clientCertificateRejected() {
    clientCertificatesRejected.inc();
  }

  void handshakeFailed() {
    handshakeFailures.inc();
  }

  void certificateExpires(long epochSeconds) {
    certificateExpiry.set(epochSeconds);
  }
}
