package io.gcgserve.server.security;

import com.google.inject.AbstractModule;
import jakarta.inject.Singleton;

/** Binds the transport security and its metrics, one per server. */
public final class SecurityModule extends AbstractModule {

  @Override
  protected void configure() {
    bind(SecurityMetrics.class).in(Singleton.class);
    bind(TransportSecurity.class).in(Singleton.class);
  }
}
