package io.gcgserve.server.pruner;

import static java.util.Objects.requireNonNull;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.PrunerFactory;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every pruner this server can run, by name: the built-ins bound in {@link PrunerModule} and the
 * plugins listed in {@code META-INF/services/io.gcgserve.pruners.PrunerFactory} on the classpath.
 * Registered once at startup, each logged; two factories with one name fail startup rather than
 * letting classpath order decide which one serves.
 */
public final class PrunerRegistry {

  private static final Logger log = LoggerFactory.getLogger(PrunerRegistry.class);

  /** A registered factory and where it came from. */
  public record Entry(PrunerFactory factory, boolean builtIn) {}

  private final Map<String, Entry> entries;

  /** Registers the bound built-ins and the plugins {@link ServiceLoader} finds. */
  @Inject
  public PrunerRegistry(Map<String, PrunerFactory> builtIns) {
    this(builtIns, loadPlugins());
  }

  /**
   * Registers {@code builtIns} and then {@code plugins}.
   *
   * @throws IllegalStateException when a name is registered twice, a binding key disagrees with its
   *     factory's name, or a name is not lowercase
   */
  public PrunerRegistry(Map<String, PrunerFactory> builtIns, Iterable<PrunerFactory> plugins) {
    Map<String, Entry> registered = new TreeMap<>();
    for (Map.Entry<String, PrunerFactory> binding : builtIns.entrySet()) {
      PrunerFactory factory = requireNonNull(binding.getValue(), "factory is null");
      if (!binding.getKey().equals(factory.name())) {
        throw new IllegalStateException(
            "built-in pruner bound as '"
                + binding.getKey()
                + "' reports name '"
                + factory.name()
                + "' ("
                + factory.getClass().getName()
                + ")");
      }
      register(registered, factory, true);
    }
    for (PrunerFactory plugin : plugins) {
      register(registered, plugin, false);
    }
    this.entries = Collections.unmodifiableMap(registered);
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
    log.info(
        "registered {} pruner '{}' ({}, {} parameters)",
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
