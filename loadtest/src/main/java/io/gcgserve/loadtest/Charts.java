package io.gcgserve.loadtest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * The run's PNG plots: TTFT and ITL CDFs per configuration, FLOPs ratio against TTFT, and TTFT
 * p50/p99 and goodput against the offered rate (from the capacity search's steps; a plain run is
 * one point per configuration).
 */
final class Charts {

  /** The plots in report order: file name → caption. */
  static final Map<String, String> FILES = files();

  private Charts() {}

  private static Map<String, String> files() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("ttft-cdf.png", "TTFT CDF per configuration (from the intended send; dashed: sent)");
    files.put("itl-cdf.png", "Inter-token latency CDF per configuration");
    files.put("ttft-vs-rate.png", "TTFT p50 and p99 against the offered rate");
    files.put("goodput-vs-rate.png", "Goodput against the offered rate");
    files.put("flops-vs-ttft.png", "FLOPs ratio against TTFT, one point per request");
    return files;
  }

  /**
   * Writes every plot into {@code directory}.
   *
   * @param measured the measured records
   * @param steps the capacity search's steps by search name, empty for a plain run
   * @param warmupSeconds the warm-up excluded from each step
   */
  static void write(
      Path directory,
      List<RequestRecord> measured,
      Map<String, List<CapacitySearch.Step>> steps,
      double warmupSeconds,
      double achievedRate)
      throws IOException {
    Map<String, List<RequestRecord>> byConfig =
        Summary.group(measured.stream().filter(RequestRecord::ok).toList(), RequestRecord::config);
    Plot ttft = new Plot("Time to first token", "TTFT (ms)", "fraction of requests");
    Plot itl = new Plot("Inter-token latency", "gap between tokens (ms)", "fraction of gaps");
    Plot flops = new Plot("FLOPs ratio vs TTFT", "TTFT (ms)", "prefill FLOPs / unpruned");
    for (Map.Entry<String, List<RequestRecord>> config : byConfig.entrySet()) {
      List<RequestRecord> records = config.getValue();
      ttft.add(Plot.cdf(config.getKey(), doubles(records, true)));
      ttft.add(dashed(Plot.cdf(config.getKey() + " (sent)", doubles(records, false))));
      itl.add(
          Plot.cdf(
              config.getKey(),
              records.stream()
                  .flatMap(r -> r.itlMs().stream())
                  .mapToDouble(Double::doubleValue)
                  .toArray()));
      List<RequestRecord> withFlops =
          records.stream()
              .filter(r -> r.ttftMs() != null && r.server().flopsRatio() != null)
              .toList();
      double[] x = new double[withFlops.size()];
      double[] y = new double[withFlops.size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = orNaN(withFlops.get(i).ttftMs());
        y[i] = orNaN(withFlops.get(i).server().flopsRatio());
      }
      flops.add(new Plot.Series(config.getKey(), x, y, false, false));
    }
    ttft.write(directory.resolve("ttft-cdf.png"));
    itl.write(directory.resolve("itl-cdf.png"));
    flops.write(directory.resolve("flops-vs-ttft.png"));
    rates(directory, byConfig, steps, warmupSeconds, achievedRate, measured.size());
  }

  private static void rates(
      Path directory,
      Map<String, List<RequestRecord>> byConfig,
      Map<String, List<CapacitySearch.Step>> steps,
      double warmupSeconds,
      double achievedRate,
      int measured)
      throws IOException {
    Plot latency = new Plot("TTFT vs offered rate", "offered rate (requests/s)", "TTFT (ms)");
    Plot goodput =
        new Plot("Goodput vs offered rate", "offered rate (requests/s)", "goodput (requests/s)");
    if (steps.isEmpty()) {
      for (Map.Entry<String, List<RequestRecord>> config : byConfig.entrySet()) {
        double rate = measured == 0 ? 0 : achievedRate * config.getValue().size() / measured;
        Histogram h = Figures.histogram(ttfts(config.getValue()));
        double[] x = {rate};
        latency.add(
            new Plot.Series(
                config.getKey() + " p50",
                x,
                new double[] {Figures.percentileMs(h, 50)},
                false,
                false));
        latency.add(
            new Plot.Series(
                config.getKey() + " p99",
                x,
                new double[] {Figures.percentileMs(h, 99)},
                false,
                false));
        long good = config.getValue().stream().filter(RequestRecord::isGood).count();
        double share = (double) good / Math.max(1, config.getValue().size());
        goodput.add(new Plot.Series(config.getKey(), x, new double[] {rate * share}, false, false));
      }
    } else {
      for (Map.Entry<String, List<CapacitySearch.Step>> search : steps.entrySet()) {
        List<CapacitySearch.Step> sorted = new ArrayList<>(search.getValue());
        sorted.sort((a, b) -> Double.compare(a.rate(), b.rate()));
        double[] x = new double[sorted.size()];
        double[] p50 = new double[x.length];
        double[] p99 = new double[x.length];
        double[] good = new double[x.length];
        for (int i = 0; i < x.length; i++) {
          CapacitySearch.Step step = sorted.get(i);
          List<RequestRecord> ok =
              Summary.measured(step.result().records(), warmupSeconds).stream()
                  .filter(RequestRecord::ok)
                  .toList();
          Histogram h = Figures.histogram(ttfts(ok));
          x[i] = step.rate();
          p50[i] = Figures.percentileMs(h, 50);
          p99[i] = Figures.percentileMs(h, 99);
          good[i] = step.result().achievedRate() * step.goodShare();
        }
        latency.add(new Plot.Series(search.getKey() + " p50", x, p50, true, false));
        latency.add(new Plot.Series(search.getKey() + " p99", x, p99, true, true));
        goodput.add(new Plot.Series(search.getKey(), x, good, true, false));
      }
    }
    latency.write(directory.resolve("ttft-vs-rate.png"));
    goodput.write(directory.resolve("goodput-vs-rate.png"));
  }

  private static List<Double> ttfts(List<RequestRecord> records) {
    return records.stream().map(RequestRecord::ttftMs).filter(v -> v != null).map(v -> v).toList();
  }

  private static double[] doubles(List<RequestRecord> records, boolean corrected) {
    return records.stream()
        .map(r -> corrected ? r.ttftMs() : r.ttftSentMs())
        .filter(v -> v != null)
        .mapToDouble(v -> v)
        .toArray();
  }

  private static Plot.Series dashed(Plot.Series series) {
    return new Plot.Series(series.name(), series.x(), series.y(), true, true);
  }

  private static double orNaN(@Nullable Double value) {
    return value == null ? Double.NaN : value;
  }
}
