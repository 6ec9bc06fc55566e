package io.gcgserve.server;

import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * SIGTERM drains the server ({@link GcgServer#drain}: health NOT_SERVING, {@code
 * --drain-delay-seconds} still accepting, then stop accepting and let in-flight calls finish) and
 * SIGINT stops it at once ({@link GcgServer#stop}: nobody routes to an interactive run). Handling
 * the signals, instead of leaving them to the JVM's shutdown hooks, lets {@code main} return exit
 * status 0 after a clean drain where the JVM would exit with 143. The first signal wins; later ones
 * are logged and ignored.
 */
final class DrainSignal {

  private final GcgServer server;
  private final PrintStream progress;
  private final AtomicBoolean requested = new AtomicBoolean();
  private final CompletableFuture<Boolean> drained = new CompletableFuture<>();

  private DrainSignal(GcgServer server, PrintStream progress) {
    this.server = server;
    this.progress = progress;
  }

  /** Handles SIGTERM and SIGINT for {@code server}; a platform without them keeps the hooks. */
  static DrainSignal install(GcgServer server, PrintStream progress) {
    DrainSignal signals = new DrainSignal(server, progress);
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), signal -> signals.onSignal(signal.getName()));
      } catch (IllegalArgumentException e) {
        progress.println(
            "gcg-serve: SIG" + name + " cannot be handled here (" + e.getMessage() + ")");
      }
    }
    return signals;
  }

  /** Whether a SIGTERM or SIGINT has arrived. */
  boolean requested() {
    return requested.get();
  }

  /** Waits for the drain a signal started; returns whether it was clean. */
  boolean awaitDrained() throws InterruptedException {
    try {
      return drained.get();
    } catch (java.util.concurrent.ExecutionException e) {
      progress.println("gcg-serve: drain failed: " + e.getCause());
      return false;
    }
  }

  private void onSignal(String name) {
    if (!requested.compareAndSet(false, true)) {
      progress.println("gcg-serve: SIG" + name + " ignored: already draining");
      return;
    }
    progress.println("gcg-serve: SIG" + name + " received");
    try {
      drained.complete(name.equals("TERM") ? server.drain(progress) : server.stop(progress));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      drained.complete(false);
    } catch (RuntimeException e) {
      drained.completeExceptionally(e);
    }
  }
}
