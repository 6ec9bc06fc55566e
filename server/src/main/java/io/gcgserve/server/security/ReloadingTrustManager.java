package io.gcgserve.server.security;

import static java.util.Objects.requireNonNull;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks client certificates (mutual TLS) against the client CA now in force, which {@link #swap}
 * replaces; counts every certificate it refuses. It never checks servers.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {

  private final SecurityMetrics metrics;
  private volatile X509ExtendedTrustManager current;

  ReloadingTrustManager(X509ExtendedTrustManager initial, SecurityMetrics metrics) {
    this.current = requireNonNull(initial, "initial is null");
    this.metrics = requireNonNull(metrics, "metrics is null");
  }

  /** Puts {@code next} in force for new handshakes. */
  void swap(X509ExtendedTrustManager next) {
    current = requireNonNull(next, "next is null");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    try {
      current.checkClientTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      metrics.clientCertificateRejected();
      throw e;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    try {
      current.checkClientTrusted(chain, authType, socket);
    } catch (CertificateException e) {
      metrics.clientCertificateRejected();
      throw e;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    try {
      current.checkClientTrusted(chain, authType);
    } catch (CertificateException e) {
      metrics.clientCertificateRejected();
      throw e;
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("this trust manager checks clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("this trust manager checks clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("this trust manager checks clients only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return current.getAcceptedIssuers();
  }
}
