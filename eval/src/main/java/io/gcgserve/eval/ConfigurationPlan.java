package io.gcgserve.eval;

import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PrunerFactory;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The configurations of the benchmark, grouped as the paper's tables: Table 1 (every pruner at
 * every keep ratio, plus the unpruned upper bound), Table 3 (ALTP's DDC alone, {@code
 * allocation=uniform}, against the full ALTP) and Table 4 (ALTP's superpixel count N in {3, 5, 7,
 * 10, 15} and compactness C in {3, 5, 10} at the smallest keep ratio).
 *
 * <p>A keep ratio r reaches a pruner as {@code keep_ratio=r} (every built-in has it; PDrop reads it
 * as its final budget, {@code round(r * visual tokens)}), or as {@code keep_tokens=round(r * visual
 * tokens)} for a plugin with only a count. Parameters equal to the pruner's default are left out,
 * so the same configuration in two tables runs once.
 *
 * @param main Table 1 rows
 * @param ablation Table 3 rows (empty unless asked for)
 * @param sensitivity Table 4 rows (empty unless asked for)
 */
public record ConfigurationPlan(
    List<Configuration> main, List<Configuration> ablation, List<Configuration> sensitivity) {

  /** ALTP's registry name. */
  public static final String ALTP = "altp";

  /** Superpixel counts of Table 4. */
  public static final List<Integer> SUPERPIXEL_COUNTS = List.of(3, 5, 7, 10, 15);

  /** Compactness values of Table 4. */
  public static final List<Integer> COMPACTNESS_VALUES = List.of(3, 5, 10);

  /** Defensive copies. */
  public ConfigurationPlan {
    main = List.copyOf(main);
    ablation = List.copyOf(ablation);
    sensitivity = List.copyOf(sensitivity);
  }

  /**
   * Builds the plan.
   *
   * @param pruners pruner names in table order; {@code none} gives the upper-bound row
   * @param keepRatios keep ratios in (0, 1)
   * @param factories looks a pruner up by name (throws for unknown names)
   */
  public static ConfigurationPlan build(
      List<String> pruners,
      List<Double> keepRatios,
      boolean ablation,
      boolean sensitivity,
      Function<String, PrunerFactory> factories,
      ModelGeometry geometry) {
    List<Double> ratios = new ArrayList<>(keepRatios);
    ratios.sort(Double::compare);
    List<Configuration> main = new ArrayList<>();
    if (pruners.contains(NoPruner.NAME)) {
      main.add(new Configuration(NoPruner.NAME, Map.of(), "Upper bound", 1.0));
    }
    for (double ratio : ratios) {
      for (String pruner : pruners) {
        if (!pruner.equals(NoPruner.NAME)) {
          PrunerFactory factory = factories.apply(pruner);
          main.add(configuration(factory, ratio, Map.of(), label(pruner), geometry));
        }
      }
    }
    List<Configuration> ablationRows = new ArrayList<>();
    List<Configuration> sensitivityRows = new ArrayList<>();
    if (ablation || sensitivity) {
      PrunerFactory altp = factories.apply(ALTP);
      if (ablation) {
        for (double ratio : ratios) {
          ablationRows.add(
              configuration(altp, ratio, Map.of("allocation", "uniform"), "Only DDC", geometry));
          ablationRows.add(configuration(altp, ratio, Map.of(), "ALTP", geometry));
        }
      }
      if (sensitivity && !ratios.isEmpty()) {
        double ratio = ratios.get(0);
        for (int count : SUPERPIXEL_COUNTS) {
          sensitivityRows.add(
              configuration(
                  altp, ratio, Map.of("n_superpixels", "" + count), "N=" + count, geometry));
        }
        for (int compactness : COMPACTNESS_VALUES) {
          sensitivityRows.add(
              configuration(
                  altp,
                  ratio,
                  Map.of("compactness", "" + compactness),
                  "C=" + compactness,
                  geometry));
        }
      }
    }
    return new ConfigurationPlan(main, ablationRows, sensitivityRows);
  }

  /** Every distinct configuration, in first-listed order. */
  public List<Configuration> distinct() {
    Map<String, Configuration> byId = new LinkedHashMap<>();
    for (List<Configuration> table : List.of(main, ablation, sensitivity)) {
      for (Configuration configuration : table) {
        byId.putIfAbsent(configuration.id(), configuration);
      }
    }
    return List.copyOf(byId.values());
  }

  /** Table label of a pruner name: the paper's spelling for the built-ins. */
  public static String label(String pruner) {
    return switch (pruner) {
      case "fastv" -> "FastV";
      case "pdrop" -> "PDrop";
      case "altp" -> "ALTP";
      case "none" -> "Upper bound";
      default -> pruner;
    };
  }

  private static Configuration configuration(
      PrunerFactory factory,
      double ratio,
      Map<String, String> extra,
      String label,
      ModelGeometry geometry) {
    Map<String, String> parameters = new TreeMap<>();
    Map<String, ParameterSpec> specs = new TreeMap<>();
    for (ParameterSpec spec : factory.parameters()) {
      specs.put(spec.name(), spec);
    }
    if (specs.containsKey("keep_ratio")) {
      parameters.put("keep_ratio", plain(ratio));
    } else if (specs.containsKey("keep_tokens")) {
      parameters.put("keep_tokens", "" + Math.max(1, Math.round(ratio * geometry.visualTokens())));
    } else {
      throw new IllegalArgumentException(
          "pruner '" + factory.name() + "' has neither keep_ratio nor keep_tokens");
    }
    for (Map.Entry<String, String> entry : extra.entrySet()) {
      ParameterSpec spec = specs.get(entry.getKey());
      if (spec == null) {
        throw new IllegalArgumentException(
            "pruner '" + factory.name() + "' has no parameter '" + entry.getKey() + "'");
      }
      if (!isDefault(spec, entry.getValue())) {
        parameters.put(entry.getKey(), entry.getValue());
      }
    }
    return new Configuration(factory.name(), parameters, label, ratio);
  }

  private static boolean isDefault(ParameterSpec spec, String value) {
    String defaultValue = spec.defaultValue();
    if (defaultValue == null) {
      return false;
    }
    try {
      return Double.parseDouble(defaultValue) == Double.parseDouble(value);
    } catch (NumberFormatException e) {
      return defaultValue.toLowerCase(Locale.ROOT).equals(value.toLowerCase(Locale.ROOT));
    }
  }

  /** {@code 0.1} rather than {@code 0.10000} or {@code 1.0E-1}. */
  static String plain(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }
}
