package io.gcgserve.eval.viz;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.altp.AltpPrunerFactory;
import io.gcgserve.pruners.fastv.FastVPrunerFactory;
import io.gcgserve.pruners.pdrop.PyramidDropPrunerFactory;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The pruners a command-line tool can name: the built-ins plus any found with {@link
 * ServiceLoader}. The server has its own registry; this one only serves the eval tools.
 */
public final class PrunerCatalog {

  private final Map<String, PrunerFactory> factories = new TreeMap<>();

  /** Collects the built-ins and the {@code ServiceLoader} plugins (built-ins win on a clash). */
  public PrunerCatalog() {
    for (PrunerFactory plugin : ServiceLoader.load(PrunerFactory.class)) {
      factories.put(plugin.name(), plugin);
    }
    for (PrunerFactory builtIn :
        new PrunerFactory[] {
          new NoPruner(),
          new FastVPrunerFactory(),
          new PyramidDropPrunerFactory(),
          new AltpPrunerFactory()
        }) {
      factories.put(builtIn.name(), builtIn);
    }
  }

  /**
   * The factory called {@code name}.
   *
   * @throws InvalidPrunerParameterException listing the known names when there is none
   */
  public PrunerFactory factory(String name) {
    PrunerFactory factory = factories.get(name);
    if (factory == null) {
      throw new InvalidPrunerParameterException(
          "unknown pruner '" + name + "'; known: " + String.join(", ", factories.keySet()));
    }
    return factory;
  }
}
