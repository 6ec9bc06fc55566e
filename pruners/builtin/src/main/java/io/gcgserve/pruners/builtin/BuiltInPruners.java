package io.gcgserve.pruners.builtin;

import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.altp.AltpPrunerFactory;
import io.gcgserve.pruners.fastv.FastVPrunerFactory;
import io.gcgserve.pruners.pdrop.PyramidDropPrunerFactory;
import java.util.List;

/**
 * The pruners gcg-serve ships: {@code none}, FastV, PyramidDrop and ALTP. A new built-in is one
 * line in {@link #factories()}.
 */
public final class BuiltInPruners {

  private BuiltInPruners() {}

  /** A fresh instance of every built-in factory. */
  public static List<PrunerFactory> factories() {
    return List.of(
        new NoPruner(),
        new FastVPrunerFactory(),
        new PyramidDropPrunerFactory(),
        new AltpPrunerFactory());
  }

  /**
   * The registry every program uses: the built-ins plus the plugins on the classpath.
   *
   * @throws IllegalStateException when a plugin cannot be loaded or two pruners share a name
   */
  public static PrunerRegistry registry() {
    return PrunerRegistry.withPlugins(factories());
  }
}
