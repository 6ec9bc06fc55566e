package io.gcgserve.server.config;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;

/** Binds the one {@link ServerConfig} instance, validated, for every other module. */
public final class ConfigModule extends AbstractModule {

  private final ServerConfig config;

  /** Validates {@code config} and keeps it for binding. */
  public ConfigModule(ServerConfig config) {
    this.config = requireNonNull(config, "config is null").validate();
  }

  @Override
  protected void configure() {
    bind(ServerConfig.class).toInstance(config);
  }
}
