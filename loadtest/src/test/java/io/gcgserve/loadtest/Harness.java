package io.gcgserve.loadtest;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Builds workloads and runs them against a {@link ScriptedServer} in process. */
final class Harness {

  private Harness() {}

  /** An open-loop workload of {@code arrival} at {@code rate} for {@code duration}. */
  static Workload workload(
      String arrival, double rate, String duration, List<MixEntry> mix, int maxInFlight) {
    return workload(arrival, rate, duration, mix, maxInFlight, 0, "30s");
  }

  static Workload workload(
      String arrival,
      double rate,
      String duration,
      List<MixEntry> mix,
      int maxInFlight,
      double cancelShare,
      String deadline) {
    return new Workload(
        arrival,
        rate,
        1,
        2,
        duration,
        0,
        "0s",
        null,
        1,
        null,
        mix,
        10,
        0,
        deadline,
        cancelShare,
        maxInFlight,
        7);
  }

  static MixEntry pruner(String name) {
    return new MixEntry(null, null, name, Map.of(), null, null);
  }

  /** Three tiny images; their bytes do not matter to the double. */
  static ImageSet images() {
    return new ImageSet(
        List.of("a.png", "b.png", "c.png"),
        List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}),
        List.of("a", "b", "c"),
        null);
  }

  /** Runs {@code workload} against {@code server} (started in process), SLO judged. */
  static LoadRunner.RunResult run(ScriptedServer server, Workload workload, @Nullable Slo slo)
      throws InterruptedException {
    RunDriver driver =
        new RunDriver(
            "in-process",
            server.channel(),
            slo == null ? Slo.NONE : slo,
            images(),
            null,
            null,
            System.err);
    return driver.runOnce(workload, "test");
  }
}
