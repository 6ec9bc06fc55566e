package io.gcgserve.server.pruner;

import com.google.inject.AbstractModule;
import com.google.inject.Binder;
import com.google.inject.multibindings.MapBinder;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.altp.AltpPrunerFactory;
import io.gcgserve.pruners.fastv.FastVPrunerFactory;
import io.gcgserve.pruners.pdrop.PyramidDropPrunerFactory;
import jakarta.inject.Singleton;

/**
 * Binds the built-in pruner factories by name and the {@link PrunerRegistry} that adds the plugins
 * found on the classpath. A new built-in is one {@link #bindBuiltIn} line.
 */
public final class PrunerModule extends AbstractModule {

  @Override
  protected void configure() {
    MapBinder<String, PrunerFactory> builtIns = builtIns(binder());
    bindBuiltIn(builtIns, NoPruner.NAME, new NoPruner());
    bindBuiltIn(builtIns, FastVPrunerFactory.NAME, new FastVPrunerFactory());
    bindBuiltIn(builtIns, PyramidDropPrunerFactory.NAME, new PyramidDropPrunerFactory());
    bindBuiltIn(builtIns, AltpPrunerFactory.NAME, new AltpPrunerFactory());
    bind(PrunerRegistry.class).in(Singleton.class);
  }

  /** The map binder that holds built-in factories; other modules may add to it. */
  public static MapBinder<String, PrunerFactory> builtIns(Binder binder) {
    return MapBinder.newMapBinder(binder, String.class, PrunerFactory.class);
  }

  /**
   * Binds {@code factory} under {@code name}; the registry checks that the key and {@link
   * PrunerFactory#name()} agree.
   */
  public static void bindBuiltIn(
      MapBinder<String, PrunerFactory> builtIns, String name, PrunerFactory factory) {
    builtIns.addBinding(name).toInstance(factory);
  }
}
