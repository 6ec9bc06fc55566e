package io.gcgserve.server.security;

import static java.util.Objects.requireNonNull;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Counts failed TLS handshakes of the gRPC port in {@code gcg_tls_handshake_failures_total}.
 *
 * <p>grpc-java ends a connection whose handshake failed without telling the server's code; the one
 * place it reports each failure is a FINE record ("TLS negotiation failed for new client.", with no
 * exception attached) of its {@code io.grpc.netty.ProtocolNegotiators} logger. This handler listens
 * to that logger at FINE and counts those records; they still go only where they went before (the
 * console handler prints INFO and above). The record carries no cause, so there is no reason label;
 * a client certificate that did not verify is also counted on its own in {@code
 * gcg_tls_client_certificates_rejected_total}. {@code TransportSecurityTest} checks the count, so a
 * grpc-java upgrade that changes the record fails a test.
 */
final class HandshakeFailures extends Handler {

  /** grpc-java's logger of protocol negotiation. */
  static final String LOGGER = "io.grpc.netty.ProtocolNegotiators";

  private static final String MESSAGE = "TLS negotiation failed";

  private final SecurityMetrics metrics;
  // held strongly: a JUL logger nobody references may be collected, taking its level with it
  private final Logger logger;
  private final @Nullable Level previousLevel;

  private HandshakeFailures(SecurityMetrics metrics, Logger logger) {
    this.metrics = requireNonNull(metrics, "metrics is null");
    this.logger = logger;
    this.previousLevel = logger.getLevel();
  }

  /** Starts counting; {@link #close} stops. */
  static HandshakeFailures install(SecurityMetrics metrics) {
    HandshakeFailures handler = new HandshakeFailures(metrics, Logger.getLogger(LOGGER));
    handler.setLevel(Level.FINE);
    Level level = handler.logger.getLevel();
    if (level == null || level.intValue() > Level.FINE.intValue()) {
      handler.logger.setLevel(Level.FINE);
    }
    handler.logger.addHandler(handler);
    return handler;
  }

  @Override
  public void publish(LogRecord record) {
    String message = record.getMessage();
    if (message != null && message.startsWith(MESSAGE)) {
      metrics.handshakeFailed();
    }
  }

  @Override
  public void flush() {}

  /** Stops counting and restores the logger's level. */
  @Override
  public void close() {
    logger.removeHandler(this);
    logger.setLevel(previousLevel);
  }
}
