package io.gcgserve.loadtest;

import io.gcgserve.server.config.ServerConfig;

/** Violates (h): a load-tester class that reads the server's configuration in process. */
public final class LoadTestFixtureReadingServerConfig {

  private LoadTestFixtureReadingServerConfig() {}

  /** The load tester sizing its in-flight cap from the server's own flags. */
  public static int inFlightCap(ServerConfig config) {
    return config.maxBatch();
  }
}
