package io.gcgserve.eval;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.gcgserve.eval.metrics.AttributeAccuracy;
import io.gcgserve.eval.metrics.GcgScores;
import io.gcgserve.eval.metrics.GroundingErrors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes {@code results.json} (raw figures, pycocotools scale) and {@code results.md} (the paper's
 * tables, every metric times 100 as the paper prints them).
 *
 * @param dataset dataset description
 * @param images images per configuration
 * @param model model name
 * @param visualTokens visual tokens before pruning
 * @param plan the tables
 * @param results results by configuration id
 * @param wallSeconds wall time of this invocation
 * @param intervals bootstrap intervals and differences from the baseline
 */
public record ResultsReport(
    String dataset,
    int images,
    String model,
    int visualTokens,
    ConfigurationPlan plan,
    Map<String, ConfigurationResult> results,
    double wallSeconds,
    Intervals intervals) {

  /** Writes both files into {@code directory}. */
  public void write(Path directory) throws IOException {
    Files.writeString(
        directory.resolve("results.json"),
        new GsonBuilder()
                .setPrettyPrinting()
                .disableHtmlEscaping()
                .serializeSpecialFloatingPointValues()
                .create()
                .toJson(json())
            + "\n",
        StandardCharsets.UTF_8);
    Files.writeString(directory.resolve("results.md"), markdown(), StandardCharsets.UTF_8);
  }

  /** The JSON document. */
  public JsonObject json() {
    JsonObject root = new JsonObject();
    root.addProperty("dataset", dataset);
    root.addProperty("images", images);
    root.addProperty("model", model);
    root.addProperty("visual_tokens", visualTokens);
    root.addProperty("wall_seconds", wallSeconds);
    JsonArray configurations = new JsonArray();
    for (ConfigurationResult result : results.values()) {
      JsonObject entry = new JsonObject();
      Configuration configuration = result.configuration();
      entry.addProperty("id", configuration.id());
      entry.addProperty("pruner", configuration.pruner());
      entry.addProperty("label", configuration.label());
      JsonObject parameters = new JsonObject();
      configuration.parameters().forEach(parameters::addProperty);
      entry.add("parameters", parameters);
      entry.addProperty("keep_ratio", configuration.keepRatio());
      if (configuration.flopsTarget() != null) {
        entry.addProperty("flops_target", configuration.flopsTarget());
      }
      entry.addProperty("flops_ratio", result.flopsRatio());
      GcgScores scores = result.scores();
      entry.addProperty("meteor_exact", scores.meteorExact());
      entry.addProperty("cider", scores.cider());
      entry.addProperty("ap50", scores.ap50());
      entry.addProperty("miou", scores.meanIou());
      entry.addProperty("recall", scores.recall());
      entry.addProperty("visual_tokens_kept", result.visualTokensKept());
      entry.addProperty("prefill_millis", result.prefillMillis());
      entry.addProperty("decode_millis", result.decodeMillis());
      GroundingErrors errors = result.groundingErrors();
      JsonObject grounding = new JsonObject();
      grounding.addProperty("predicted", errors.predicted());
      grounding.addProperty("references", errors.references());
      grounding.addProperty("found", errors.found());
      grounding.addProperty("duplicates", errors.duplicates());
      grounding.addProperty("near_misses", errors.nearMisses());
      grounding.addProperty("misses", errors.misses());
      entry.add("grounding_errors", grounding);
      result
          .attributes()
          .ifPresent(
              attributes -> {
                JsonObject accuracy = new JsonObject();
                accuracy.addProperty("pairs", attributes.pairs());
                for (int a = 0; a < attributes.names().size(); a++) {
                  accuracy.addProperty(attributes.names().get(a), attributes.accuracy(a));
                }
                entry.add("attribute_accuracy", accuracy);
              });
      configurations.add(entry);
    }
    root.add("configurations", configurations);
    JsonObject tables = new JsonObject();
    tables.add("table1", ids(plan.main()));
    tables.add("table1_secondary", ids(plan.secondary()));
    tables.add("table3_ablation", ids(plan.ablation()));
    tables.add("additions", ids(plan.additions()));
    tables.add("table4_sensitivity", ids(plan.sensitivity()));
    root.add("tables", tables);
    root.addProperty("protocol", plan.protocol().flag());
    root.add("intervals", intervals.json());
    return root;
  }

  private static JsonArray ids(List<Configuration> configurations) {
    JsonArray array = new JsonArray();
    configurations.forEach(configuration -> array.add(configuration.id()));
    return array;
  }

  /** The Markdown tables. */
  public String markdown() {
    StringBuilder out = new StringBuilder();
    out.append("# GCG pruning benchmark\n\n");
    out.append(
        String.format(
            Locale.ROOT,
            "Dataset: %s, %d images. Model: %s (%d visual tokens). Greedy decoding.%n"
                + "All metrics x100 as in the paper: METEOR is METEOR-exact, CIDEr is CIDEr-D,"
                + " recall uses a lexical phrase similarity (see eval/README.md). FLOPs: mean Eq. 5"
                + " ratio of the prefills.%n%n",
            dataset,
            images,
            model,
            visualTokens));
    appendTable1(out, plan.main(), plan.protocol(), "table1", "");
    if (!plan.secondary().isEmpty()) {
      out.append('\n');
      appendTable1(
          out, plan.secondary(), plan.protocol().other(), "table1_secondary", " (secondary)");
    }
    if (!plan.ablation().isEmpty()) {
      out.append("\n## Table 3: ablation, DDC alone (allocation=uniform) vs ALTP (DDC + DDF)\n\n");
      out.append("| Module | FLOPs | AP50 | mIoU | Recall |\n|---|---:|---:|---:|---:|\n");
      for (Map.Entry<String, List<Configuration>> group : byRatio(plan.ablation()).entrySet()) {
        out.append("| *").append(group.getKey()).append("* | | | | |\n");
        for (Configuration configuration : group.getValue()) {
          appendGroundingRow(out, configuration, results.get(configuration.id()));
        }
      }
      appendDifferences(out, "table3_ablation");
    }
    if (!plan.additions().isEmpty()) {
      Configuration first = plan.additions().get(0);
      out.append(
          String.format(
              Locale.ROOT,
              "%n## ALTP additions, one at a time (%s; cumulative, from the paper's text to the"
                  + " served ALTP)%n%n",
              retained(first.keepRatio())));
      out.append(
          "| Row | Tokens | FLOPs | AP50 | mIoU | Recall |\n|---|---:|---:|---:|---:|---:|\n");
      for (Configuration configuration : plan.additions()) {
        ConfigurationResult result = results.get(configuration.id());
        if (result != null) {
          out.append(
              String.format(
                  Locale.ROOT,
                  "| %s | %.1f | %.1f%% | %s | %s | %s |%n",
                  configuration.label(),
                  result.visualTokensKept(),
                  result.flopsRatio() * 100,
                  intervals.cell(configuration.id(), 0, result.scores().ap50()),
                  intervals.cell(configuration.id(), 1, result.scores().meanIou()),
                  intervals.cell(configuration.id(), 2, result.scores().recall())));
        }
      }
      appendDifferences(out, "additions");
    }
    if (!plan.sensitivity().isEmpty()) {
      Configuration first = plan.sensitivity().get(0);
      out.append(
          String.format(
              Locale.ROOT,
              "%n## Table 4: ALTP superpixel hyper-parameters (%s; defaults for the other)%n%n",
              retained(first.keepRatio())));
      out.append("| Hyper-parameter | FLOPs | AP50 | mIoU | Recall |\n|---|---:|---:|---:|---:|\n");
      for (Configuration configuration : plan.sensitivity()) {
        appendGroundingRow(out, configuration, results.get(configuration.id()));
      }
    }
    appendGroundingErrorTable(out);
    appendAttributeTable(out);
    out.append(
        String.format(
            Locale.ROOT,
            "%n%d configurations; this invocation took %.1f s.%n",
            results.size(),
            wallSeconds));
    return out.toString();
  }

  private void appendTable1(
      StringBuilder out, List<Configuration> rows, Protocol protocol, String key, String suffix) {
    out.append(
        protocol == Protocol.EQUAL_FLOPS
            ? "## Table 1"
                + suffix
                + ": pruners at equal FLOPs (each keep setting solved for the"
                + " group's Eq. 5 target)\n\n"
            : "## Table 1" + suffix + ": pruners by retained visual tokens (equal tokens)\n\n");
    out.append(
        "| Method | Setting | Tokens | FLOPs | METEOR | CIDEr | AP50 | mIoU | Recall |\n"
            + "|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    Map<String, List<Configuration>> byGroup = new LinkedHashMap<>();
    for (Configuration configuration : rows) {
      byGroup
          .computeIfAbsent(Intervals.groupKey(configuration), k -> new ArrayList<>())
          .add(configuration);
    }
    Map<String, List<Configuration>> groups = new LinkedHashMap<>();
    byGroup.values().forEach(group -> groups.put(heading(group), group));
    for (Map.Entry<String, List<Configuration>> group : groups.entrySet()) {
      out.append("| *").append(group.getKey()).append("* | | | | | | | | |\n");
      for (Configuration configuration : group.getValue()) {
        ConfigurationResult result = results.get(configuration.id());
        if (result == null) {
          continue;
        }
        GcgScores scores = result.scores();
        String setting =
            configuration.parameters().isEmpty()
                ? "-"
                : configuration.parameters().entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue())
                    .reduce((a, b) -> a + ", " + b)
                    .orElse("-");
        out.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %.1f | %.1f%% | %s | %s | %s | %s | %s |%n",
                configuration.label(),
                setting,
                result.visualTokensKept(),
                result.flopsRatio() * 100,
                percent(scores.meteorExact()),
                percent(scores.cider()),
                intervals.cell(configuration.id(), 0, scores.ap50()),
                intervals.cell(configuration.id(), 1, scores.meanIou()),
                intervals.cell(configuration.id(), 2, scores.recall())));
      }
    }
    out.append(
        "\nTokens: mean visual tokens reaching the last layer; FLOPs: mean Eq. 5 ratio the model"
            + " reported for its prefills (achieved, not predicted).");
    if (intervals.resamples() > 0) {
      out.append(
          String.format(
              Locale.ROOT,
              " Brackets: bootstrap 95%% interval over images (%d resamples, seed %d, paired by"
                  + " image).",
              intervals.resamples(),
              intervals.seed()));
    }
    out.append('\n');
    appendDifferences(out, key);
  }

  private void appendDifferences(StringBuilder out, String key) {
    String lines = intervals.differenceLines(key, this::rowLabel);
    if (!lines.isEmpty()) {
      out.append("\nDifferences on the same images (method minus baseline, x100):\n\n")
          .append(lines);
    }
  }

  private String heading(List<Configuration> group) {
    Configuration first = group.get(0);
    if (first.keepRatio() >= 1.0) {
      return "Upper bound, all " + visualTokens + " tokens (100%)";
    }
    Double target = first.flopsTarget();
    if (target == null) {
      return retained(first.keepRatio());
    }
    boolean shared = group.stream().allMatch(c -> c.keepRatio() == first.keepRatio());
    return String.format(
        Locale.ROOT,
        "Equal FLOPs: target %.1f%%%s",
        target * 100,
        shared ? " (the reference's at: " + retained(first.keepRatio()) + ")" : "");
  }

  private void appendGroundingErrorTable(StringBuilder out) {
    boolean header = false;
    for (Configuration configuration : plan.main()) {
      ConfigurationResult result = results.get(configuration.id());
      if (result == null) {
        continue;
      }
      if (!header) {
        header = true;
        out.append(
            "\n## Where the predicted masks go (not a GLaMM metric; see eval/README.md)\n\n"
                + "| Method | Predicted | Found (of references) | Duplicate | Near miss | Miss |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
      }
      GroundingErrors errors = result.groundingErrors();
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d of %d (%s) | %d | %d | %d |%n",
              rowLabel(configuration),
              errors.predicted(),
              errors.found(),
              errors.references(),
              percent(
                  errors.references() == 0
                      ? Double.NaN
                      : (double) errors.found() / errors.references()),
              errors.duplicates(),
              errors.nearMisses(),
              errors.misses()));
    }
  }

  private void appendAttributeTable(StringBuilder out) {
    List<String> names = null;
    for (Configuration configuration : plan.main()) {
      ConfigurationResult result = results.get(configuration.id());
      if (result == null || result.attributes().isEmpty()) {
        continue;
      }
      AttributeAccuracy attributes = result.attributes().get();
      if (names == null) {
        names = attributes.names();
        out.append(
            "\n## Attribute accuracy of IoU-matched phrases (not a GLaMM metric; see"
                + " eval/README.md)\n\n| Method | Pairs |");
        names.forEach(name -> out.append(' ').append(name).append(" |"));
        out.append("\n|---|---:|").append("---:|".repeat(names.size())).append('\n');
      }
      out.append(
          String.format(Locale.ROOT, "| %s | %d |", rowLabel(configuration), attributes.pairs()));
      for (int a = 0; a < names.size(); a++) {
        out.append(' ').append(percent(attributes.accuracy(a))).append(" |");
      }
      out.append('\n');
    }
  }

  private String rowLabel(Configuration configuration) {
    if (configuration.keepRatio() >= 1.0) {
      return configuration.label();
    }
    String tokens = configuration.parameters().get("keep_tokens");
    long count =
        tokens != null
            ? Long.parseLong(tokens)
            : Math.max(1, Math.round(configuration.keepRatio() * visualTokens));
    return String.format(
        Locale.ROOT,
        "%s, %d tokens%s",
        configuration.label(),
        count,
        configuration.flopsTarget() != null ? " (equal FLOPs)" : "");
  }

  private void appendGroundingRow(
      StringBuilder out, Configuration configuration, @Nullable ConfigurationResult result) {
    if (result == null) {
      return;
    }
    out.append(
        String.format(
            Locale.ROOT,
            "| %s | %.0f%% | %s | %s | %s |%n",
            configuration.label(),
            result.flopsRatio() * 100,
            intervals.cell(configuration.id(), 0, result.scores().ap50()),
            intervals.cell(configuration.id(), 1, result.scores().meanIou()),
            intervals.cell(configuration.id(), 2, result.scores().recall())));
  }

  private Map<String, List<Configuration>> byRatio(List<Configuration> configurations) {
    Map<String, List<Configuration>> groups = new LinkedHashMap<>();
    for (Configuration configuration : configurations) {
      String heading =
          configuration.keepRatio() >= 1.0
              ? "Upper bound, all " + visualTokens + " tokens (100%)"
              : retained(configuration.keepRatio());
      groups.computeIfAbsent(heading, key -> new ArrayList<>()).add(configuration);
    }
    return groups;
  }

  private String retained(double keepRatio) {
    return String.format(
        Locale.ROOT,
        "Retain %d tokens (%.0f%% reduction)",
        Math.max(1, Math.round(keepRatio * visualTokens)),
        (1 - keepRatio) * 100);
  }

  private static String percent(double value) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.1f", value * 100);
  }
}
