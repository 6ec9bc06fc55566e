package io.gcgserve.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Bootstrap 95% intervals over images ({@link PairedBootstrap}) of AP50, mIoU and recall for every
 * configuration, and of each method's difference from a baseline on the same images.
 *
 * @param resamples bootstrap resamples (0: no intervals)
 * @param seed the bootstrap seed
 * @param byConfiguration per configuration id, per metric of {@link PairedBootstrap#METRICS}, the
 *     interval {@code {low, high}} (fractions)
 * @param differences each compared pair
 */
public record Intervals(
    int resamples,
    long seed,
    Map<String, double[][]> byConfiguration,
    List<Difference> differences) {

  /**
   * One method against its baseline, on the same images.
   *
   * @param table the table the pair belongs to
   * @param method the configuration compared
   * @param baseline the configuration it is compared with
   * @param delta per metric, method minus baseline (fractions)
   * @param low per metric, the interval's lower end
   * @param high per metric, the interval's upper end
   */
  public record Difference(
      String table,
      Configuration method,
      Configuration baseline,
      double[] delta,
      double[] low,
      double[] high) {

    /** Copies. */
    public Difference {
      delta = delta.clone();
      low = low.clone();
      high = high.clone();
    }

    @Override
    public double[] delta() {
      return delta.clone();
    }

    @Override
    public double[] low() {
      return low.clone();
    }

    @Override
    public double[] high() {
      return high.clone();
    }
  }

  /** Copies. */
  public Intervals {
    byConfiguration = Map.copyOf(byConfiguration);
    differences = List.copyOf(differences);
  }

  /** No intervals ({@code --bootstrap 0}). */
  public static Intervals none() {
    return new Intervals(0, 0, Map.of(), List.of());
  }

  /**
   * Computes the intervals of every configuration of {@code plan} and the differences: in Table 1
   * (both protocols) each method against {@code baseline} in the same group, in Table 3 ALTP
   * against DDC alone, in the additions ablation each row against the paper-literal first row.
   */
  public static Intervals of(
      ConfigurationPlan plan,
      Map<String, ConfigurationResult> results,
      String baseline,
      int resamples,
      long seed) {
    if (resamples == 0 || results.isEmpty()) {
      return none();
    }
    int images = results.values().iterator().next().perImage().size();
    PairedBootstrap bootstrap = new PairedBootstrap(images, resamples, seed);
    Map<String, double[][]> replicates = new LinkedHashMap<>();
    Map<String, double[][]> intervals = new LinkedHashMap<>();
    for (ConfigurationResult result : results.values()) {
      double[][] rows = bootstrap.replicates(result.perImage());
      replicates.put(result.configuration().id(), rows);
      double[][] interval = new double[rows.length][];
      for (int m = 0; m < rows.length; m++) {
        interval[m] = PairedBootstrap.interval(rows[m]);
      }
      intervals.put(result.configuration().id(), interval);
    }
    List<Difference> differences = new ArrayList<>();
    for (Map.Entry<String, List<Configuration>> table :
        List.of(
            Map.entry("table1", plan.main()), Map.entry("table1_secondary", plan.secondary()))) {
      Map<String, List<Configuration>> groups = new LinkedHashMap<>();
      for (Configuration configuration : table.getValue()) {
        if (configuration.keepRatio() < 1.0) {
          groups
              .computeIfAbsent(groupKey(configuration), key -> new ArrayList<>())
              .add(configuration);
        }
      }
      for (List<Configuration> group : groups.values()) {
        Configuration reference =
            group.stream().filter(c -> c.pruner().equals(baseline)).findFirst().orElse(null);
        for (Configuration configuration : group) {
          if (reference != null && !configuration.equals(reference)) {
            add(differences, table.getKey(), configuration, reference, results, replicates);
          }
        }
      }
    }
    for (int i = 0; i + 1 < plan.ablation().size(); i += 2) {
      add(
          differences,
          "table3_ablation",
          plan.ablation().get(i + 1),
          plan.ablation().get(i),
          results,
          replicates);
    }
    for (int i = 1; i < plan.additions().size(); i++) {
      add(
          differences,
          "additions",
          plan.additions().get(i),
          plan.additions().get(0),
          results,
          replicates);
    }
    return new Intervals(resamples, seed, intervals, differences);
  }

  /** The group a Table 1 row belongs to: its FLOPs target, else its keep ratio. */
  static String groupKey(Configuration configuration) {
    Double target = configuration.flopsTarget();
    return target != null ? "flops " + target : "keep " + configuration.keepRatio();
  }

  private static void add(
      List<Difference> differences,
      String table,
      Configuration method,
      Configuration baseline,
      Map<String, ConfigurationResult> results,
      Map<String, double[][]> replicates) {
    ConfigurationResult methodResult = results.get(method.id());
    ConfigurationResult baselineResult = results.get(baseline.id());
    if (methodResult == null || baselineResult == null || method.id().equals(baseline.id())) {
      return;
    }
    double[] methodValues = values(methodResult);
    double[] baselineValues = values(baselineResult);
    double[][] methodReplicates = Objects.requireNonNull(replicates.get(method.id()));
    double[][] baselineReplicates = Objects.requireNonNull(replicates.get(baseline.id()));
    int metrics = PairedBootstrap.METRICS.size();
    double[] delta = new double[metrics];
    double[] low = new double[metrics];
    double[] high = new double[metrics];
    for (int m = 0; m < metrics; m++) {
      delta[m] = methodValues[m] - baselineValues[m];
      double[] interval =
          PairedBootstrap.differenceInterval(methodReplicates[m], baselineReplicates[m]);
      low[m] = interval[0];
      high[m] = interval[1];
    }
    differences.add(new Difference(table, method, baseline, delta, low, high));
  }

  /** AP50, mIoU and recall of {@code result}, in {@link PairedBootstrap#METRICS} order. */
  static double[] values(ConfigurationResult result) {
    return new double[] {
      result.scores().ap50(), result.scores().meanIou(), result.scores().recall()
    };
  }

  /** {@code 50.1 [47.3, 53.0]}: the value and its interval ×100, or the value alone. */
  public String cell(String configurationId, int metric, double value) {
    double[][] interval = byConfiguration.get(configurationId);
    String point = percent(value);
    if (interval == null) {
      return point;
    }
    return point + " [" + percent(interval[metric][0]) + ", " + percent(interval[metric][1]) + "]";
  }

  /** The differences listed for {@code table}. */
  public List<Difference> differences(String table) {
    return differences.stream().filter(d -> d.table().equals(table)).toList();
  }

  /**
   * One line per difference: {@code ALTP vs FastV (144 tokens): AP50 +2.6 (95% CI 0.4 to 4.9),
   * ...}.
   */
  public String differenceLines(
      String table, java.util.function.Function<Configuration, String> name) {
    StringBuilder out = new StringBuilder();
    for (Difference difference : differences(table)) {
      out.append("- ")
          .append(name.apply(difference.method()))
          .append(" vs ")
          .append(name.apply(difference.baseline()))
          .append(':');
      for (int m = 0; m < PairedBootstrap.METRICS.size(); m++) {
        out.append(m == 0 ? " " : ", ")
            .append(METRIC_NAMES.get(m))
            .append(' ')
            .append(signed(difference.delta[m]))
            .append(" (95% CI ")
            .append(signed(difference.low[m]))
            .append(" to ")
            .append(signed(difference.high[m]))
            .append(')');
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static final List<String> METRIC_NAMES = List.of("AP50", "mIoU", "recall");

  /** The JSON form: per configuration and per difference. */
  public JsonObject json() {
    JsonObject root = new JsonObject();
    root.addProperty("resamples", resamples);
    root.addProperty("seed", seed);
    root.addProperty("confidence", 0.95);
    JsonObject configurations = new JsonObject();
    byConfiguration.forEach(
        (id, interval) -> {
          JsonObject entry = new JsonObject();
          for (int m = 0; m < interval.length; m++) {
            JsonArray pair = new JsonArray();
            pair.add(interval[m][0]);
            pair.add(interval[m][1]);
            entry.add(PairedBootstrap.METRICS.get(m), pair);
          }
          configurations.add(id, entry);
        });
    root.add("configurations", configurations);
    JsonArray list = new JsonArray();
    for (Difference difference : differences) {
      JsonObject entry = new JsonObject();
      entry.addProperty("table", difference.table());
      entry.addProperty("method", difference.method().id());
      entry.addProperty("baseline", difference.baseline().id());
      for (int m = 0; m < PairedBootstrap.METRICS.size(); m++) {
        JsonObject metric = new JsonObject();
        metric.addProperty("difference", difference.delta[m]);
        metric.addProperty("low", difference.low[m]);
        metric.addProperty("high", difference.high[m]);
        entry.add(PairedBootstrap.METRICS.get(m), metric);
      }
      list.add(entry);
    }
    root.add("differences", list);
    return root;
  }

  private static String percent(double value) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.1f", value * 100);
  }

  private static String signed(double value) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%+.1f", value * 100);
  }

  /** The interval of one configuration's metric, or null. */
  public double @Nullable [] interval(String configurationId, int metric) {
    double[][] interval = byConfiguration.get(configurationId);
    return interval == null ? null : interval[metric].clone();
  }
}
