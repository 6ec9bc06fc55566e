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
 */
public record ResultsReport(
    String dataset,
    int images,
    String model,
    int visualTokens,
    ConfigurationPlan plan,
    Map<String, ConfigurationResult> results,
    double wallSeconds) {

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
    tables.add("table3_ablation", ids(plan.ablation()));
    tables.add("table4_sensitivity", ids(plan.sensitivity()));
    root.add("tables", tables);
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
    out.append("## Table 1: pruners by retained visual tokens\n\n");
    out.append("| Method | FLOPs | METEOR | CIDEr | AP50 | mIoU | Recall |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, List<Configuration>> group : byRatio(plan.main()).entrySet()) {
      out.append("| *").append(group.getKey()).append("* | | | | | | |\n");
      for (Configuration configuration : group.getValue()) {
        ConfigurationResult result = results.get(configuration.id());
        if (result == null) {
          continue;
        }
        GcgScores scores = result.scores();
        out.append(
            String.format(
                Locale.ROOT,
                "| %s | %.0f%% | %s | %s | %s | %s | %s |%n",
                configuration.label(),
                result.flopsRatio() * 100,
                percent(scores.meteorExact()),
                percent(scores.cider()),
                percent(scores.ap50()),
                percent(scores.meanIou()),
                percent(scores.recall())));
      }
    }
    if (!plan.ablation().isEmpty()) {
      out.append("\n## Table 3: ablation, DDC alone (allocation=uniform) vs ALTP (DDC + DDF)\n\n");
      out.append("| Module | FLOPs | AP50 | mIoU | Recall |\n|---|---:|---:|---:|---:|\n");
      for (Map.Entry<String, List<Configuration>> group : byRatio(plan.ablation()).entrySet()) {
        out.append("| *").append(group.getKey()).append("* | | | | |\n");
        for (Configuration configuration : group.getValue()) {
          appendGroundingRow(out, configuration.label(), results.get(configuration.id()));
        }
      }
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
        appendGroundingRow(out, configuration.label(), results.get(configuration.id()));
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
    return configuration.keepRatio() >= 1.0
        ? configuration.label()
        : String.format(
            Locale.ROOT,
            "%s, %d tokens",
            configuration.label(),
            Math.max(1, Math.round(configuration.keepRatio() * visualTokens)));
  }

  private void appendGroundingRow(
      StringBuilder out, String label, @Nullable ConfigurationResult result) {
    if (result == null) {
      return;
    }
    out.append(
        String.format(
            Locale.ROOT,
            "| %s | %.0f%% | %s | %s | %s |%n",
            label,
            result.flopsRatio() * 100,
            percent(result.scores().ap50()),
            percent(result.scores().meanIou()),
            percent(result.scores().recall())));
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
