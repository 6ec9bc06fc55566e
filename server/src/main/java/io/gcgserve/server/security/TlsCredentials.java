package io.gcgserve.server.security;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS identity (certificate chain and key) and, for mutual TLS, the client CA, read
 * from PEM files and re-read when they change: new handshakes use the new files, established
 * connections are untouched. Files that do not load (unreadable, not PEM, a key that does not match
 * the certificate, an expired certificate) are logged and counted, and the credentials in force
 * stay.
 */
final class TlsCredentials implements Reloadable {

  private static final Logger log = LoggerFactory.getLogger(TlsCredentials.class);

  private static final char[] IN_MEMORY_PASSWORD = "gcg-serve".toCharArray();

  private final Path certFile;
  private final Path keyFile;
  private final @Nullable Path clientCaFile;
  private final SecurityMetrics metrics;
  private final WatchedFiles watched;
  private final ReloadingKeyManager keyManager;
  private final @Nullable ReloadingTrustManager trustManager;
  private int generation;

  /**
   * Reads the files once.
   *
   * @throws IOException naming the file and what is wrong with it
   */
  TlsCredentials(Path certFile, Path keyFile, @Nullable Path clientCaFile, SecurityMetrics metrics)
      throws IOException {
    this.certFile = requireNonNull(certFile, "certFile is null");
    this.keyFile = requireNonNull(keyFile, "keyFile is null");
    this.clientCaFile = clientCaFile;
    this.metrics = requireNonNull(metrics, "metrics is null");
    List<Path> files = new ArrayList<>(List.of(certFile, keyFile));
    if (clientCaFile != null) {
      files.add(clientCaFile);
    }
    watched = new WatchedFiles(files);
    watched.markSeen();
    Loaded loaded = load();
    keyManager = new ReloadingKeyManager(loaded.keyManager());
    X509ExtendedTrustManager trust = loaded.trustManager();
    trustManager = trust == null ? null : new ReloadingTrustManager(trust, metrics);
    metrics.certificateExpires(loaded.notAfterEpochSeconds());
  }

  /** The key manager to build the server's TLS context with. */
  X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /** The trust manager for client certificates, or null without {@code --tls-client-ca}. */
  @Nullable X509ExtendedTrustManager trustManager() {
    return trustManager;
  }

  @Override
  public String credential() {
    return SecurityMetrics.TLS;
  }

  @Override
  public synchronized @Nullable String reload(boolean explicit) {
    if (!watched.changed()) {
      if (explicit) {
        metrics.reloaded(credential(), UNCHANGED);
        return UNCHANGED;
      }
      return null;
    }
    watched.markSeen();
    Loaded loaded;
    try {
      loaded = load();
    } catch (IOException e) {
      log.warn(
          "TLS files changed but do not load; the certificate in force stays: {}", e.getMessage());
      metrics.reloaded(credential(), REJECTED);
      return REJECTED;
    }
    keyManager.swap(loaded.keyManager());
    X509ExtendedTrustManager trust = loaded.trustManager();
    if (trustManager != null && trust != null) {
      trustManager.swap(trust);
    }
    metrics.certificateExpires(loaded.notAfterEpochSeconds());
    metrics.reloaded(credential(), APPLIED);
    log.info("TLS files reloaded: new connections get the certificate from {}", certFile);
    return APPLIED;
  }

  private Loaded load() throws IOException {
    List<X509Certificate> chain = PemFiles.certificates(certFile);
    PrivateKey key = PemFiles.privateKey(keyFile);
    X509Certificate leaf = chain.get(0);
    try {
      leaf.checkValidity();
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new IOException(certFile + ": the certificate is not valid now: " + e.getMessage(), e);
    }
    checkKeyMatches(leaf, key);
    try {
      generation++;
      KeyStore identity = emptyKeyStore();
      identity.setKeyEntry(
          "gcg-" + generation, key, IN_MEMORY_PASSWORD, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory keys = KeyManagerFactory.getInstance("SunX509");
      keys.init(identity, IN_MEMORY_PASSWORD);
      X509ExtendedKeyManager keyManager = (X509ExtendedKeyManager) keys.getKeyManagers()[0];
      return new Loaded(keyManager, clientTrust(), leaf.getNotAfter().toInstant().getEpochSecond());
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot build the TLS identity: " + e.getMessage(), e);
    }
  }

  private @Nullable X509ExtendedTrustManager clientTrust()
      throws IOException, GeneralSecurityException {
    if (clientCaFile == null) {
      return null;
    }
    KeyStore anchors = emptyKeyStore();
    int index = 0;
    for (X509Certificate ca : PemFiles.certificates(clientCaFile)) {
      anchors.setCertificateEntry("client-ca-" + index++, ca);
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
    trust.init(anchors);
    return (X509ExtendedTrustManager) trust.getTrustManagers()[0];
  }

  private static KeyStore emptyKeyStore() throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    return store;
  }

  /** Signs a probe with the key and verifies it with the certificate. */
  private void checkKeyMatches(X509Certificate leaf, PrivateKey key) throws IOException {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm();
        };
    byte[] probe = "gcg-serve key check".getBytes(StandardCharsets.US_ASCII);
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(probe);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false;
    }
    if (!matches) {
      throw new IOException(
          keyFile + " is not the private key of the first certificate in " + certFile);
    }
  }

  private record Loaded(
      X509ExtendedKeyManager keyManager,
      @Nullable X509ExtendedTrustManager trustManager,
      long notAfterEpochSeconds) {}
}
