package io.gcgserve.eval.bench;

import io.gcgserve.harness.PrometheusText;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jspecify.annotations.NullMarked;

/**
 * The CPU the server and the bench's own client spent over one configuration, from the server's
 * {@code process_cpu_seconds_total} (the JVM's process metrics) scraped before and after, this
 * JVM's process CPU time, and what the whole machine left idle or had stolen by its hypervisor
 * ({@code /proc/stat}). It tells how close a run came to what the machine's cores allow: a
 * configuration whose server and client together keep every core busy cannot go faster by
 * concurrency alone, only by spending less CPU per caption.
 *
 * @param serverSeconds server CPU seconds over the interval
 * @param clientSeconds CPU seconds of the bench's JVM (its gRPC clients) over the interval
 * @param wallSeconds the interval's wall time
 * @param captions successful captions in the interval
 * @param cores processors this machine has
 * @param machineIdleShare share of the machine's CPU time that was idle (with iowait), NaN when
 *     {@code /proc/stat} cannot be read
 * @param stealShare share the hypervisor took (steal), NaN likewise
 * @param threadCores the server's threads, grouped by name without its number (gcg-engine,
 *     gcg-prefill, C2 CompilerThread, grpc-default-executor...), as cores kept busy, busiest first;
 *     empty when {@code /proc} cannot be read
 */
@NullMarked
record CpuUse(
    double serverSeconds,
    double clientSeconds,
    double wallSeconds,
    int captions,
    int cores,
    double machineIdleShare,
    double stealShare,
    Map<String, Double> threadCores) {

  static final String PROCESS_CPU = "process_cpu_seconds_total";

  /** The line printed when the server exports no process CPU counter. */
  static final String NOT_AVAILABLE = "cpu: n/a (server exports no " + PROCESS_CPU + ")";

  /**
   * What is read at each end of an interval: the server's metrics, this JVM's CPU time (ns, -1 when
   * unknown) and the machine's CPU times ({@code /proc/stat}'s first line, in ticks; empty when
   * unreadable).
   */
  record Mark(
      PrometheusText server, long clientNanos, long[] machineTicks, Map<String, Long> threads) {}

  /**
   * Reads this JVM's and the machine's CPU times, and those of the server JVM {@code pid}'s
   * threads, beside the server's {@code scrape}.
   */
  static Mark mark(PrometheusText scrape, OptionalLong pid) {
    return new Mark(
        scrape,
        clientNanos(),
        machineTicks(),
        pid.isPresent() ? threadTicks(pid.getAsLong()) : Map.of());
  }

  /** The use between two marks, or empty when the server exports no process CPU counter. */
  static Optional<CpuUse> between(Mark before, Mark after, long wallNanos, int captions) {
    if (!after.server().has(PROCESS_CPU) || !before.server().has(PROCESS_CPU)) {
      return Optional.empty();
    }
    double[] machine = machineShares(before.machineTicks(), after.machineTicks());
    Map<String, Double> threads =
        threadCores(before.threads(), after.threads(), before.machineTicks(), after.machineTicks());
    return Optional.of(
        new CpuUse(
            after.server().sum(PROCESS_CPU) - before.server().sum(PROCESS_CPU),
            before.clientNanos() < 0 || after.clientNanos() < 0
                ? -1
                : (after.clientNanos() - before.clientNanos()) / 1e9,
            wallNanos / 1e9,
            captions,
            Runtime.getRuntime().availableProcessors(),
            machine[0],
            machine[1],
            threads));
  }

  /** This JVM's CPU time so far, in nanoseconds, or -1 where the platform does not say. */
  static long clientNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /**
   * The first line of /proc/stat as ticks (user, nice, system, idle, iowait, irq, softirq, steal,
   * ...).
   */
  static long[] machineTicks() {
    try {
      return parseProcStat(Files.readAllLines(Path.of("/proc/stat")).get(0));
    } catch (IOException | RuntimeException e) {
      return new long[0];
    }
  }

  static long[] parseProcStat(String cpuLine) {
    String[] fields = cpuLine.trim().split("\\s+");
    if (fields.length < 9 || !fields[0].equals("cpu")) {
      return new long[0];
    }
    long[] ticks = new long[fields.length - 1];
    for (int i = 1; i < fields.length; i++) {
      ticks[i - 1] = Long.parseLong(fields[i]);
    }
    return ticks;
  }

  /**
   * The machine's idle (idle + iowait) and stolen (steal: taken by the hypervisor) shares of all
   * its CPU time between two readings; NaN when either is missing.
   */
  static double[] machineShares(long[] before, long[] after) {
    long total = machineTotal(before, after);
    if (total <= 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    double idle = (after[3] - before[3]) + (after[4] - before[4]);
    double steal = after[7] - before[7];
    return new double[] {idle / total, steal / total};
  }

  /**
   * The machine's ticks between two readings over every state (guest time is already counted in
   * user, so the first 8 fields are the whole); 0 when either reading is missing.
   */
  static long machineTotal(long[] before, long[] after) {
    if (before.length < 8 || after.length < 8) {
      return 0;
    }
    long total = 0;
    for (int i = 0; i < 8; i++) {
      total += after[i] - before[i];
    }
    return total;
  }

  /**
   * CPU ticks (user + system) of each thread of process {@code pid}, summed by thread name with its
   * trailing number taken off; empty when {@code /proc/PID/task} cannot be read.
   */
  static Map<String, Long> threadTicks(long pid) {
    Map<String, Long> ticks = new TreeMap<>();
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    try (Stream<Path> list = Files.list(tasks)) {
      for (Path task : list.toList()) {
        try {
          String name = threadGroup(Files.readString(task.resolve("comm")));
          long used = threadStatTicks(Files.readString(task.resolve("stat")));
          ticks.merge(name, used, Long::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return ticks;
  }

  /** A thread's name without its number: "C2 CompilerThre" for "C2 CompilerThre2". */
  static String threadGroup(String comm) {
    return comm.strip().replaceAll("[\\s#\\-0-9]+$", "");
  }

  /** utime + stime of a /proc/PID/task/TID/stat line (fields 14 and 15, after the name). */
  static long threadStatTicks(String stat) {
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /**
   * Each thread group's ticks between two readings as cores: over the machine's ticks per core in
   * the same interval (both in the kernel's clock ticks), busiest first.
   */
  static Map<String, Double> threadCores(
      Map<String, Long> before,
      Map<String, Long> after,
      long[] machineBefore,
      long[] machineAfter) {
    double perCore =
        (double) machineTotal(machineBefore, machineAfter)
            / Runtime.getRuntime().availableProcessors();
    if (after.isEmpty() || perCore <= 0) {
      return Map.of();
    }
    Map<String, Double> cores = new LinkedHashMap<>();
    after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> cores.put(e.getKey(), e.getValue() / perCore));
    return cores;
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

  /**
   * The most captions/s this configuration's CPU per caption allows: every core the hypervisor left
   * (the machine's cores less the stolen share) busy with the server and the bench's client, at the
   * CPU seconds each spent per successful caption. A better schedule closes the gap to it and moves
   * it only by changing the CPU per caption. NaN when no caption succeeded.
   */
  double fullUseCaptionsPerSecond() {
    double steal = Double.isNaN(stealShare) ? 0 : stealShare;
    double client = clientSeconds < 0 ? 0 : clientSeconds;
    return captions == 0
        ? Double.NaN
        : Percentiles.ratio(cores * (1 - steal) * captions, serverSeconds + client);
  }

  /**
   * One line: {@code cpu: server 1.71 of 2 cores, 312.4 ms per caption; bench client 0.22 cores;
   * machine idle 0.05, stolen 0.02 cores; at full use 5.83 captions/s}, then the busiest threads.
   */
  String describe() {
    StringJoiner busiest = new StringJoiner(", ", "; server threads ", "");
    busiest.setEmptyValue("");
    threadCores.entrySet().stream()
        .filter(e -> e.getValue() >= 0.01)
        .limit(BUSIEST_THREADS)
        .forEach(e -> busiest.add(String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue())));
    return String.format(
            Locale.ROOT,
            "cpu: server %.2f of %d cores, %.1f ms per caption; bench client %.2f cores;"
                + " machine idle %.2f, stolen %.2f cores; at full use %.2f captions/s",
            serverCores(),
            cores,
            serverMillisPerCaption(),
            clientCores(),
            machineIdleShare * cores,
            stealShare * cores,
            fullUseCaptionsPerSecond())
        + busiest;
  }

  /** Thread groups named in {@link #describe}. */
  static final int BUSIEST_THREADS = 5;

  /** The figures as a JSON-ready map. */
  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("server_cpu_seconds", serverSeconds);
    json.put("server_cores", serverCores());
    json.put("server_ms_per_caption", serverMillisPerCaption());
    json.put("client_cores", clientCores());
    json.put("machine_cores", cores);
    json.put("machine_idle_cores", machineIdleShare * cores);
    json.put("machine_stolen_cores", stealShare * cores);
    json.put("full_use_captions_per_second", fullUseCaptionsPerSecond());
    json.put("server_thread_cores", threadCores);
    return json;
  }
}
