package io.gcgserve.engine;

import io.gcgserve.server.config.ServerConfig;

/** Violates (g): an engine class that reads the server's flags itself. */
public final class EngineFixtureUsingTheServer {

  private EngineFixtureUsingTheServer() {}

  /** The engine sizing its batch from the server's configuration. */
  public static int batch(ServerConfig config) {
    return config.maxBatch();
  }
}
