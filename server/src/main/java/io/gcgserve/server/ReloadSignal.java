package io.gcgserve.server;

import sun.misc.Signal;

/**
 * SIGHUP re-reads the experiments file and the TLS and token files at once, without waiting for the
 * next poll. A platform without SIGHUP (or a JVM run with {@code -Xrs}) keeps polling only.
 */
final class ReloadSignal {

  private ReloadSignal() {}

  /** Handles SIGHUP for {@code server}; returns whether the handler is installed. */
  static boolean install(GcgServer server) {
    try {
      Signal.handle(
          new Signal("HUP"),
          signal -> {
            String result = server.reloadExperiments();
            System.err.println("gcg-serve: SIGHUP: experiments file " + result);
            System.err.println("gcg-serve: SIGHUP: credentials " + server.reloadCredentials());
          });
      return true;
    } catch (IllegalArgumentException e) {
      System.err.println("gcg-serve: SIGHUP cannot be handled here (" + e.getMessage() + ")");
      return false;
    }
  }
}
