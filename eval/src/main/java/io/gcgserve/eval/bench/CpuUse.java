package io.gcgserve.eval.bench;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.NullMarked;

/**
 * The CPU the server and the bench's own client spent over one configuration, from the server's
 * {@code process_cpu_seconds_total} (the JVM's process metrics) scraped before and after, and this
 * JVM's process CPU time. It tells how close a run came to what the machine's cores allow: a
 * configuration whose server and client together keep every core busy cannot go faster by
 * concurrency alone, only by spending less CPU per caption.
 *
 * @param serverSeconds server CPU seconds over the interval
 * @param clientSeconds CPU seconds of the bench's JVM (its gRPC clients) over the interval
 * @param wallSeconds the interval's wall time
 * @param captions successful captions in the interval
 * @param cores processors this machine has
 */
@NullMarked
record CpuUse(
    double serverSeconds, double clientSeconds, double wallSeconds, int captions, int cores) {

  static final String PROCESS_CPU = "process_cpu_seconds_total";

  /** The line printed when the server exports no process CPU counter. */
  static final String NOT_AVAILABLE = "cpu: n/a (server exports no " + PROCESS_CPU + ")";

  /**
   * The use between two scrapes of the server and two readings of {@link #clientNanos}, or empty
   * when the server exports no process CPU counter.
   */
  static Optional<CpuUse> between(
      PrometheusText before,
      PrometheusText after,
      long clientNanosBefore,
      long clientNanosAfter,
      long wallNanos,
      int captions) {
    if (!after.has(PROCESS_CPU) || !before.has(PROCESS_CPU)) {
      return Optional.empty();
    }
    return Optional.of(
        new CpuUse(
            after.sum(PROCESS_CPU) - before.sum(PROCESS_CPU),
            (clientNanosAfter - clientNanosBefore) / 1e9,
            wallNanos / 1e9,
            captions,
            Runtime.getRuntime().availableProcessors()));
  }

  /** This JVM's CPU time so far, in nanoseconds, or -1 where the platform does not say. */
  static long clientNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /** Cores the server kept busy on average. */
  double serverCores() {
    return Percentiles.ratio(serverSeconds, wallSeconds);
  }

  /** Cores the bench's client kept busy on average (NaN when unknown). */
  double clientCores() {
    return clientSeconds < 0 ? Double.NaN : Percentiles.ratio(clientSeconds, wallSeconds);
  }

  /** Server CPU milliseconds per successful caption. */
  double serverMillisPerCaption() {
    return Percentiles.ratio(1000 * serverSeconds, captions);
  }

  /** One line: {@code cpu: server 1.71 of 2 cores, 312.4 ms per caption; bench client 0.22}. */
  String describe() {
    return String.format(
        Locale.ROOT,
        "cpu: server %.2f of %d cores, %.1f ms per caption; bench client %.2f cores",
        serverCores(),
        cores,
        serverMillisPerCaption(),
        clientCores());
  }

  /** The figures as a JSON-ready map. */
  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("server_cpu_seconds", serverSeconds);
    json.put("server_cores", serverCores());
    json.put("server_ms_per_caption", serverMillisPerCaption());
    json.put("client_cores", clientCores());
    json.put("machine_cores", cores);
    return json;
  }
}
