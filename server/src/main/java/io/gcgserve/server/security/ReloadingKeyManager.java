package io.gcgserve.server.security;

import static java.util.Objects.requireNonNull;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.jspecify.annotations.Nullable;

/**
 * The server's key manager: asks the key manager now in force, which {@link #swap} replaces, so new
 * handshakes present a new certificate while established connections keep theirs. Every generation
 * has its own alias, and the previous generation still answers, so a handshake that chose its alias
 * just before a swap still gets a matching chain and key.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

  private volatile X509ExtendedKeyManager current;
  private volatile @Nullable X509ExtendedKeyManager previous;

  ReloadingKeyManager(X509ExtendedKeyManager initial) {
    this.current = requireNonNull(initial, "initial is null");
  }

  /** Puts {@code next} in force for new handshakes. */
  synchronized void swap(X509ExtendedKeyManager next) {
    previous = current;
    current = requireNonNull(next, "next is null");
  }

  @Override
  public String @Nullable [] getServerAliases(String keyType, Principal @Nullable [] issuers) {
    return current.getServerAliases(keyType, issuers);
  }

  @Override
  public @Nullable String chooseServerAlias(
      String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
    return current.chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public @Nullable String chooseEngineServerAlias(
      String keyType, Principal @Nullable [] issuers, @Nullable SSLEngine engine) {
    return current.chooseEngineServerAlias(keyType, issuers, engine);
  }

  @Override
  public X509Certificate @Nullable [] getCertificateChain(String alias) {
    X509Certificate[] chain = current.getCertificateChain(alias);
    X509ExtendedKeyManager before = previous;
    return chain != null || before == null ? chain : before.getCertificateChain(alias);
  }

  @Override
  public @Nullable PrivateKey getPrivateKey(String alias) {
    PrivateKey key = current.getPrivateKey(alias);
    X509ExtendedKeyManager before = previous;
    return key != null || before == null ? key : before.getPrivateKey(alias);
  }

  @Override
  public String @Nullable [] getClientAliases(String keyType, Principal @Nullable [] issuers) {
    return null;
  }

  @Override
  public @Nullable String chooseClientAlias(
      String[] keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
    return null;
  }
}
