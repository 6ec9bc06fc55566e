package io.gcgserve.eval.ab;

import io.gcgserve.server.accesslog.AccessLogEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One arm's requests from the log, and the per-request values the report's statistics are taken
 * over. Latency, throughput and compute are taken over successful ({@code OK}) requests only, so a
 * fast rejection does not pass for a fast caption; the error rate is taken over all of them.
 */
public final class ArmSample {

  /** The gRPC status name of a successful request. */
  public static final String OK = "OK";

  private final String name;
  private final List<AccessLogEntry> entries;
  private final Map<String, Integer> statuses = new TreeMap<>();
  private final Set<Double> shares = new LinkedHashSet<>();
  private final Set<String> pruners = new LinkedHashSet<>();
  private final double[] errors;
  private final double[] ttft;
  private final double[] total;
  private final double[] tokensPerSecond;
  private final double[] flopsRatio;
  private final double[] visualTokensKept;

  /** The arm {@code name} with its requests, in log order. */
  public ArmSample(String name, List<AccessLogEntry> entries) {
    this.name = Objects.requireNonNull(name, "name is null");
    this.entries = List.copyOf(entries);
    List<Double> ttftValues = new ArrayList<>();
    List<Double> totalValues = new ArrayList<>();
    List<Double> rateValues = new ArrayList<>();
    List<Double> flopsValues = new ArrayList<>();
    List<Double> keptValues = new ArrayList<>();
    errors = new double[this.entries.size()];
    for (int i = 0; i < this.entries.size(); i++) {
      AccessLogEntry entry = this.entries.get(i);
      statuses.merge(entry.status(), 1, Integer::sum);
      if (entry.armShare() != null) {
        shares.add(entry.armShare());
      }
      pruners.add(describePruner(entry));
      boolean ok = OK.equals(entry.status());
      errors[i] = ok ? 0 : 1;
      if (!ok) {
        continue;
      }
      addIfPresent(ttftValues, entry.ttftMs());
      totalValues.add(entry.totalMs());
      Double decode = entry.decodeMs();
      if (decode != null && decode > 0 && entry.tokens() > 0) {
        rateValues.add(entry.tokens() / (decode / 1000.0));
      }
      addIfPresent(flopsValues, entry.flopsRatio());
      Integer kept = entry.visualTokensKept();
      if (kept != null) {
        keptValues.add(kept.doubleValue());
      }
    }
    ttft = sorted(ttftValues);
    total = sorted(totalValues);
    tokensPerSecond = sorted(rateValues);
    flopsRatio = sorted(flopsValues);
    visualTokensKept = sorted(keptValues);
  }

  private static void addIfPresent(List<Double> values, @Nullable Double value) {
    if (value != null && !value.isNaN()) {
      values.add(value);
    }
  }

  private static double[] sorted(List<Double> values) {
    double[] array = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(array);
    return array;
  }

  /** {@code altp keep_ratio=0.25}: the pruner's name and parameters in key order. */
  static String describePruner(AccessLogEntry entry) {
    StringBuilder text = new StringBuilder(entry.pruner());
    new TreeMap<>(entry.prunerParams())
        .forEach((key, value) -> text.append(' ').append(key).append('=').append(value));
    return text.toString();
  }

  /** The arm's name. */
  public String name() {
    return name;
  }

  /** The arm's requests in log order. */
  public List<AccessLogEntry> entries() {
    return entries;
  }

  /** Number of requests, whatever their status. */
  public int requests() {
    return entries.size();
  }

  /** Requests by final status name, in name order. */
  public Map<String, Integer> statuses() {
    return Map.copyOf(statuses);
  }

  /** Each request as 1 when it ended with a status other than OK, else 0, in log order. */
  public double[] errors() {
    return errors.clone();
  }

  /** TTFT of the OK requests that report one, ms, ascending. */
  public double[] ttft() {
    return ttft.clone();
  }

  /** total_ms of the OK requests, ascending. */
  public double[] total() {
    return total.clone();
  }

  /** tokens / (decode_ms / 1000) of the OK requests with tokens and decode time, ascending. */
  public double[] tokensPerSecond() {
    return tokensPerSecond.clone();
  }

  /** FLOPs ratio of the OK requests that report one, ascending. */
  public double[] flopsRatio() {
    return flopsRatio.clone();
  }

  /** Visual tokens kept by the OK requests that report it, ascending. */
  public double[] visualTokensKept() {
    return visualTokensKept.clone();
  }

  /** The configured share of traffic the lines carry; more than one when the weights changed. */
  public List<Double> shares() {
    return List.copyOf(shares);
  }

  /** The last configured share seen, or null when no line carries one. */
  public @Nullable Double lastShare() {
    Double last = null;
    for (AccessLogEntry entry : entries) {
      if (entry.armShare() != null) {
        last = entry.armShare();
      }
    }
    return last;
  }

  /** The pruners (name and parameters) the arm's lines name, in order of first appearance. */
  public List<String> pruners() {
    return List.copyOf(pruners);
  }
}
