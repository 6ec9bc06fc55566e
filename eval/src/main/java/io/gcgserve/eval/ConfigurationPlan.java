package io.gcgserve.eval;

import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.flops.KeepSearch;
import io.gcgserve.pruners.ranking.KeepBudget;
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
 * allocation=uniform}, against the full ALTP), the ALTP additions ablation and Table 4 (ALTP's
 * superpixel count N in {3, 5, 7, 10, 15}, compactness C in {3, 5, 10} and temperature τ in {0.25,
 * 0.5, 1, 2, 4} at the smallest keep ratio).
 *
 * <p>A keep ratio r reaches a pruner as {@code keep_ratio=r} (every built-in has it; PDrop reads it
 * as its final budget, {@code round(r * visual tokens)}), or as {@code keep_tokens=round(r * visual
 * tokens)} for a plugin with only a count. Parameters equal to the pruner's default are left out,
 * so the same configuration in two tables runs once.
 *
 * <p>Under the equal-FLOPs protocol ({@link Protocol}) each pruner's keep setting in Table 1 is
 * solved ({@link KeepSearch#nearestFlopsRatio}) so that its predicted Eq. 5 ratio matches the
 * group's target: the reference pruner's ratio at the group's keep ratio, or a given ratio. A
 * solution equal to the keep ratio's own token count is written as {@code keep_ratio}, so it shares
 * the equal-tokens run.
 *
 * @param protocol the protocol of {@code main}
 * @param main Table 1 rows under {@code protocol}
 * @param secondary Table 1 rows under the other protocol (empty unless asked for)
 * @param ablation Table 3 rows (empty unless asked for)
 * @param additions the ALTP additions ablation: the paper-literal ALTP, then each step the paper
 *     does not state added one at a time, ending at the served ALTP (empty unless asked for)
 * @param sensitivity Table 4 rows (empty unless asked for)
 */
public record ConfigurationPlan(
    Protocol protocol,
    List<Configuration> main,
    List<Configuration> secondary,
    List<Configuration> ablation,
    List<Configuration> additions,
    List<Configuration> sensitivity) {

  /** ALTP's registry name. */
  public static final String ALTP = "altp";

  /** Superpixel counts of Table 4. */
  public static final List<Integer> SUPERPIXEL_COUNTS = List.of(3, 5, 7, 10, 15);

  /** Compactness values of Table 4. */
  public static final List<Integer> COMPACTNESS_VALUES = List.of(3, 5, 10);

  /** Softmax temperatures of Table 4 (ours; the paper sweeps N and C only). */
  public static final List<String> TEMPERATURES = List.of("0.25", "0.5", "1", "2", "4");

  /**
   * The paper-literal ALTP as explicit parameters (what {@code variant=paper} sets on a 24x24 token
   * grid), the first row of the additions ablation.
   */
  public static final Map<String, String> PAPER_ALTP =
      Map.of(
          "density_normalisation", "none",
          "area_form", "linear",
          "caps", "none",
          "min_per_region", "0",
          "sigma", "0",
          "segment_pixels_per_token", "4");

  /**
   * The additions, in the order they are added: label and the parameters that change. After the
   * last the configuration is the served ALTP.
   */
  public static final List<Map.Entry<String, Map<String, String>>> ADDITIONS =
      List.of(
          Map.entry("+ min-max normalisation", Map.of("density_normalisation", "minmax")),
          Map.entry("+ sqrt area form", Map.of("area_form", "sqrt")),
          Map.entry("+ caps, surplus redistributed", Map.of("caps", "redistribute")),
          Map.entry("+ 1 token minimum per region", Map.of("min_per_region", "1")),
          Map.entry(
              "+ 48x48 label grid, sigma 0.8 (= ALTP)",
              Map.of("segment_pixels_per_token", "2", "sigma", "0.8")));

  /**
   * What to plan.
   *
   * @param pruners pruner names in table order; {@code none} gives the upper-bound row
   * @param keepRatios keep ratios in (0, 1)
   * @param protocol the protocol of Table 1
   * @param secondary whether Table 1 is also planned under the other protocol
   * @param flopsReference the pruner whose FLOPs at each keep ratio are the equal-FLOPs targets
   * @param flopsRatios explicit equal-FLOPs targets (replace the reference's); empty for none
   * @param ablation Table 3 (DDC alone vs ALTP)
   * @param additions the ALTP additions ablation
   * @param sensitivity Table 4 (N, C and τ)
   * @param textTokens the prompt's text tokens, which Eq. 5 counts in every layer
   */
  public record Options(
      List<String> pruners,
      List<Double> keepRatios,
      Protocol protocol,
      boolean secondary,
      String flopsReference,
      List<Double> flopsRatios,
      boolean ablation,
      boolean additions,
      boolean sensitivity,
      int textTokens) {

    /** Defensive copies. */
    public Options {
      pruners = List.copyOf(pruners);
      keepRatios = List.copyOf(keepRatios);
      flopsRatios = List.copyOf(flopsRatios);
    }

    /** Equal tokens, Table 1 only (plus Tables 3 and 4 when asked). */
    public static Options equalTokens(
        List<String> pruners, List<Double> keepRatios, boolean ablation, boolean sensitivity) {
      return new Options(
          pruners,
          keepRatios,
          Protocol.EQUAL_TOKENS,
          false,
          "fastv",
          List.of(),
          ablation,
          false,
          sensitivity,
          0);
    }
  }

  /** Defensive copies. */
  public ConfigurationPlan {
    main = List.copyOf(main);
    secondary = List.copyOf(secondary);
    ablation = List.copyOf(ablation);
    additions = List.copyOf(additions);
    sensitivity = List.copyOf(sensitivity);
  }

  /**
   * Builds an equal-tokens plan.
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
    return build(
        Options.equalTokens(pruners, keepRatios, ablation, sensitivity), factories, geometry);
  }

  /** Builds the plan of {@code options}; {@code factories} throws for unknown names. */
  public static ConfigurationPlan build(
      Options options, Function<String, PrunerFactory> factories, ModelGeometry geometry) {
    List<Double> ratios = new ArrayList<>(options.keepRatios());
    ratios.sort(Double::compare);
    List<Configuration> main = table(options, options.protocol(), ratios, factories, geometry);
    List<Configuration> secondary =
        options.secondary()
            ? table(options, options.protocol().other(), ratios, factories, geometry)
            : List.of();
    List<Configuration> ablationRows = new ArrayList<>();
    List<Configuration> additionRows = new ArrayList<>();
    List<Configuration> sensitivityRows = new ArrayList<>();
    if (options.ablation() || options.additions() || options.sensitivity()) {
      PrunerFactory altp = factories.apply(ALTP);
      if (options.ablation()) {
        for (double ratio : ratios) {
          ablationRows.add(
              configuration(altp, ratio, Map.of("allocation", "uniform"), "Only DDC", geometry));
          ablationRows.add(configuration(altp, ratio, Map.of(), "ALTP", geometry));
        }
      }
      if (options.additions() && !ratios.isEmpty()) {
        Map<String, String> parameters = new TreeMap<>(PAPER_ALTP);
        additionRows.add(
            configuration(
                altp, ratios.get(0), parameters, "ALTP as the paper states it", geometry));
        for (Map.Entry<String, Map<String, String>> addition : ADDITIONS) {
          parameters.putAll(addition.getValue());
          additionRows.add(
              configuration(altp, ratios.get(0), parameters, addition.getKey(), geometry));
        }
      }
      if (options.sensitivity() && !ratios.isEmpty()) {
        sensitivityRows.addAll(sensitivity(altp, ratios.get(0), geometry));
      }
    }
    return new ConfigurationPlan(
        options.protocol(), main, secondary, ablationRows, additionRows, sensitivityRows);
  }

  private static List<Configuration> table(
      Options options,
      Protocol protocol,
      List<Double> ratios,
      Function<String, PrunerFactory> factories,
      ModelGeometry geometry) {
    List<Configuration> rows = new ArrayList<>();
    if (options.pruners().contains(NoPruner.NAME)) {
      rows.add(new Configuration(NoPruner.NAME, Map.of(), "Upper bound", 1.0));
    }
    boolean explicitTargets = protocol == Protocol.EQUAL_FLOPS && !options.flopsRatios().isEmpty();
    List<Double> groups = new ArrayList<>(explicitTargets ? options.flopsRatios() : ratios);
    groups.sort(Double::compare);
    for (double group : groups) {
      Double target = null;
      if (protocol == Protocol.EQUAL_FLOPS) {
        target = explicitTargets ? group : referenceRatio(options, group, factories, geometry);
      }
      for (String pruner : options.pruners()) {
        if (pruner.equals(NoPruner.NAME)) {
          continue;
        }
        String name = prunerName(pruner);
        Map<String, String> fixed = fixedParameters(pruner);
        PrunerFactory factory = factories.apply(name);
        String label = label(name) + describe(fixed);
        if (target == null) {
          rows.add(configuration(factory, group, fixed, label, geometry));
        } else {
          rows.add(
              solved(
                  factory,
                  fixed,
                  label,
                  explicitTargets ? Double.NaN : group,
                  target,
                  options.textTokens(),
                  geometry));
        }
      }
    }
    return rows;
  }

  /** The reference pruner's predicted Eq. 5 ratio at keep ratio {@code ratio}. */
  private static double referenceRatio(
      Options options,
      double ratio,
      Function<String, PrunerFactory> factories,
      ModelGeometry geometry) {
    KeepSearch search =
        new KeepSearch(
            factories.apply(options.flopsReference()), Map.of(), geometry, options.textTokens());
    return search.at(tokensOf(ratio, geometry)).flopsRatio();
  }

  /**
   * {@code factory}'s configuration whose predicted ratio is nearest {@code target}; a pruner that
   * cannot be solved (no {@code keep_tokens}, or no plan) keeps {@code ratio} instead, and its
   * achieved FLOPs show in the table.
   */
  private static Configuration solved(
      PrunerFactory factory,
      Map<String, String> fixed,
      String label,
      double ratio,
      double target,
      int textTokens,
      ModelGeometry geometry) {
    if (KeepSearch.hasKeepSetting(factory)) {
      try {
        KeepSearch.Setting setting =
            new KeepSearch(factory, fixed, geometry, textTokens).nearestFlopsRatio(target);
        int tokens = setting.keepTokens();
        double nominal = Double.isNaN(ratio) ? (double) tokens / geometry.visualTokens() : ratio;
        Configuration atRatio = configuration(factory, nominal, fixed, label, geometry);
        if (!Double.isNaN(ratio) && tokens == tokensOf(ratio, geometry)) {
          return withTarget(atRatio, target);
        }
        Map<String, String> parameters = new TreeMap<>(atRatio.parameters());
        parameters.remove(KeepBudget.KEEP_RATIO);
        parameters.put(KeepBudget.KEEP_TOKENS, Integer.toString(tokens));
        return new Configuration(factory.name(), parameters, label, nominal, target);
      } catch (IllegalStateException e) {
        // the pruner takes keep_tokens but does not plan ahead: fall through to its keep ratio
      }
    }
    double nominal = Double.isNaN(ratio) ? target : ratio;
    return withTarget(configuration(factory, nominal, fixed, label, geometry), target);
  }

  /** The registry name of a {@code --pruners} entry {@code name[:key=value]...}. */
  public static String prunerName(String entry) {
    int colon = entry.indexOf(':');
    return (colon < 0 ? entry : entry.substring(0, colon)).strip();
  }

  /**
   * The parameters a {@code --pruners} entry {@code name[:key=value]...} fixes for every row of
   * that pruner (e.g. {@code pdrop:positions=keep}), in the order given.
   *
   * @throws IllegalArgumentException for a piece that is not {@code key=value}
   */
  public static Map<String, String> fixedParameters(String entry) {
    Map<String, String> fixed = new LinkedHashMap<>();
    String[] parts = entry.split(":", -1);
    for (int i = 1; i < parts.length; i++) {
      int equals = parts[i].indexOf('=');
      if (equals <= 0 || equals == parts[i].length() - 1) {
        throw new IllegalArgumentException(
            "--pruners entry '"
                + entry
                + "': '"
                + parts[i]
                + "' is not key=value (expected name[:key=value]...)");
      }
      String key = parts[i].substring(0, equals).strip();
      if (key.equals(KeepBudget.KEEP_RATIO) || key.equals(KeepBudget.KEEP_TOKENS)) {
        throw new IllegalArgumentException(
            "--pruners entry '"
                + entry
                + "' sets "
                + key
                + ", which --keep-ratios and the protocol decide; leave it out");
      }
      fixed.put(key, parts[i].substring(equals + 1).strip());
    }
    return fixed;
  }

  private static String describe(Map<String, String> fixed) {
    if (fixed.isEmpty()) {
      return "";
    }
    StringBuilder text = new StringBuilder(" (");
    fixed.forEach(
        (key, value) ->
            text.append(text.length() > 2 ? ", " : "").append(key).append('=').append(value));
    return text.append(')').toString();
  }

  private static Configuration withTarget(Configuration configuration, double target) {
    return new Configuration(
        configuration.pruner(),
        configuration.parameters(),
        configuration.label(),
        configuration.keepRatio(),
        target);
  }

  /** {@code round(ratio · visual tokens)}, at least 1, as {@code keep_ratio} counts. */
  static int tokensOf(double ratio, ModelGeometry geometry) {
    return (int) Math.max(1, Math.round(ratio * geometry.visualTokens()));
  }

  private static List<Configuration> sensitivity(
      PrunerFactory altp, double ratio, ModelGeometry geometry) {
    List<Configuration> rows = new ArrayList<>();
    for (int count : SUPERPIXEL_COUNTS) {
      rows.add(
          configuration(altp, ratio, Map.of("n_superpixels", "" + count), "N=" + count, geometry));
    }
    for (int compactness : COMPACTNESS_VALUES) {
      rows.add(
          configuration(
              altp, ratio, Map.of("compactness", "" + compactness), "C=" + compactness, geometry));
    }
    for (String temperature : TEMPERATURES) {
      rows.add(
          configuration(
              altp, ratio, Map.of("temperature", temperature), "tau=" + temperature, geometry));
    }
    return rows;
  }

  /** Every distinct configuration, in first-listed order. */
  public List<Configuration> distinct() {
    Map<String, Configuration> byId = new LinkedHashMap<>();
    for (List<Configuration> table : List.of(main, secondary, ablation, additions, sensitivity)) {
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
