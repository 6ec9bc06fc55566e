package io.gcgserve.server.pruner;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.builtin.BuiltInPruners;
import jakarta.inject.Singleton;

/** Binds the one {@link PrunerRegistry}: the built-ins plus the plugins on the classpath. */
public final class PrunerModule extends AbstractModule {

  @Provides
  @Singleton
  static PrunerRegistry registry() {
    return BuiltInPruners.registry();
  }
}
