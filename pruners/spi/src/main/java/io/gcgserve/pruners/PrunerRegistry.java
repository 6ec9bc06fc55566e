package io.gcgserve.pruners;

import static java.util.Objects.requireNonNull;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Every pruner a process can run, by name: the built-ins it is given and the plugins listed in
 * {@code META-INF/services/io.gcgserve.pruners.PrunerFactory} on the classpath. The server, the
 * evaluation and the tools all use this one registry, so a name means the same pruner everywhere.
 * Registered once, each logged; two factories with one name are refused rather than letting
 * classpath order decide which one runs.
 */
public final class PrunerRegistry {

  private static final System.Logger log = System.getLogger(PrunerRegistry.class.getName());

  /** A registered factory and where it came from. */
  public record Entry(PrunerFactory factory, boolean builtIn) {}

  private final Map<String, Entry> entries;

  /**
   * Registers {@code builtIns} and then {@code plugins}.
   *
   * @throws IllegalStateException when a name is registered twice or a name is not lowercase
   */
  public PrunerRegistry(
      Iterable<? extends PrunerFactory> builtIns, Iterable<PrunerFactory> plugins) {
    Map<String, Entry> registered = new TreeMap<>();
    for (PrunerFactory factory : builtIns) {
      register(registered, requireNonNull(factory, "built-in factory is null"), true);
    }
    for (PrunerFactory plugin : plugins) {
      register(registered, requireNonNull(plugin, "plugin factory is null"), false);
    }
    this.entries = Collections.unmodifiableMap(registered);
  }

  /**
   * Registers {@code builtIns} and the plugins {@link ServiceLoader} finds on the classpath.
   *
   * @throws IllegalStateException when a plugin cannot be loaded or a name is registered twice
   */
  public static PrunerRegistry withPlugins(Iterable<? extends PrunerFactory> builtIns) {
    return new PrunerRegistry(builtIns, loadPlugins());
  }

  private static void register(
      Map<String, Entry> registered, PrunerFactory factory, boolean builtIn) {
    String name = factory.name();
    if (name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT))) {
      throw new IllegalStateException(
          "pruner name '" + name + "' of " + factory.getClass().getName() + " must be lowercase");
    }
    Entry previous = registered.get(name);
    if (previous != null) {
      throw new IllegalStateException(
          "two pruners are named '"
              + name
              + "': "
              + previous.factory().getClass().getName()
              + " and "
              + factory.getClass().getName()
              + "; remove one jar from the classpath");
    }
    registered.put(name, new Entry(factory, builtIn));
    log.log(
        Level.INFO,
        "registered {0} pruner ''{1}'' ({2}, {3} parameters)",
        builtIn ? "built-in" : "plugin",
        name,
        factory.getClass().getName(),
        factory.parameters().size());
  }

  private static List<PrunerFactory> loadPlugins() {
    List<PrunerFactory> plugins = new ArrayList<>();
    try {
      for (PrunerFactory factory : ServiceLoader.load(PrunerFactory.class)) {
        plugins.add(factory);
      }
    } catch (ServiceConfigurationError e) {
      throw new IllegalStateException("a pruner plugin on the classpath cannot be loaded", e);
    }
    return plugins;
  }

  /** Registered names, sorted. */
  public List<String> names() {
    return List.copyOf(entries.keySet());
  }

  /** Every registration, sorted by name. */
  public List<Entry> entries() {
    return List.copyOf(entries.values());
  }

  /** The factory registered under {@code name}, or null. */
  public @Nullable PrunerFactory find(String name) {
    Entry entry = entries.get(name);
    return entry == null ? null : entry.factory();
  }

  /**
   * The factory registered under {@code name}.
   *
   * @throws InvalidPrunerParameterException naming the known pruners when there is none
   */
  public PrunerFactory require(String name) {
    PrunerFactory factory = find(name);
    if (factory == null) {
      throw new InvalidPrunerParameterException(
          "unknown pruner '" + name + "'; known pruners: " + String.join(", ", names()));
    }
    return factory;
  }
}
