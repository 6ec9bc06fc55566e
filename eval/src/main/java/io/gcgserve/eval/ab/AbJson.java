package io.gcgserve.eval.ab;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.List;
import java.util.Map;

/** Writes an {@link AbReport} as {@code report.json}; NaN figures are written as null. */
public final class AbJson {

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  private AbJson() {}

  /** The whole report as pretty-printed JSON. */
  public static String render(AbReport report) {
    JsonObject root = new JsonObject();
    ExperimentLog log = report.log();
    root.addProperty("experiment", log.experiment());
    root.add("log", log(report));
    root.addProperty("control", log.control());
    root.addProperty("control_reason", log.controlReason());
    JsonObject bootstrap = new JsonObject();
    bootstrap.addProperty("resamples", report.resamples());
    bootstrap.addProperty("seed", report.seed());
    bootstrap.addProperty("confidence", Bootstrap.CONFIDENCE);
    root.add("bootstrap", bootstrap);
    root.add("sample_ratio", sampleRatio(report.sampleRatio()));
    JsonArray arms = new JsonArray();
    for (ServingFigures figures : report.serving()) {
      arms.add(arm(figures));
    }
    root.add("arms", arms);
    root.add("differences", comparisons(report.comparisons()));
    AbReport.Quality quality = report.quality();
    if (quality != null) {
      root.add("quality", quality(quality));
    }
    return GSON.toJson(root) + "\n";
  }

  private static JsonObject log(AbReport report) {
    LogReading reading = report.reading();
    JsonObject object = new JsonObject();
    object.addProperty("file", reading.file().toString());
    object.addProperty("lines", reading.lines());
    object.addProperty("entries", reading.entries().size());
    object.addProperty("other_lines", report.log().otherLines());
    object.addProperty("lines_without_arm", report.log().withoutArm());
    object.addProperty("malformed", reading.malformed());
    JsonArray examples = new JsonArray();
    reading.malformedExamples().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            entry -> {
              JsonObject example = new JsonObject();
              example.addProperty("line", entry.getKey());
              example.addProperty("error", entry.getValue());
              examples.add(example);
            });
    object.add("malformed_examples", examples);
    object.addProperty("truncated_last_line", reading.truncatedLastLine());
    return object;
  }

  private static JsonObject sampleRatio(SampleRatioTest test) {
    JsonObject object = new JsonObject();
    JsonObject observed = new JsonObject();
    test.observed().forEach(observed::addProperty);
    JsonObject expected = new JsonObject();
    test.expected().forEach((arm, value) -> expected.add(arm, number(value)));
    object.add("observed", observed);
    object.add("expected", expected);
    object.add("chi_square", number(test.chiSquare()));
    object.addProperty("degrees_of_freedom", test.degreesOfFreedom());
    object.add("p_value", number(test.pValue()));
    object.addProperty("threshold", SampleRatioTest.THRESHOLD);
    object.addProperty("mismatch", test.mismatch());
    String note = test.note();
    object.add("note", note == null ? JsonNull.INSTANCE : new JsonPrimitive(note));
    return object;
  }

  private static JsonObject arm(ServingFigures figures) {
    ArmSample arm = figures.arm();
    JsonObject object = new JsonObject();
    object.addProperty("name", arm.name());
    JsonArray pruners = new JsonArray();
    arm.pruners().forEach(pruners::add);
    object.add("pruners", pruners);
    Double share = arm.lastShare();
    object.add("share", share == null ? JsonNull.INSTANCE : number(share));
    object.addProperty("requests", arm.requests());
    JsonObject statuses = new JsonObject();
    arm.statuses().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(entry -> statuses.addProperty(entry.getKey(), entry.getValue()));
    object.add("statuses", statuses);
    JsonObject metrics = new JsonObject();
    for (LatencyMetric metric : LatencyMetric.values()) {
      JsonObject value = new JsonObject();
      value.add("value", number(figures.value(metric)));
      double[] interval = figures.interval(metric);
      value.add("ci_low", number(interval[0]));
      value.add("ci_high", number(interval[1]));
      value.addProperty("n", figures.size(metric));
      metrics.add(metric.info().key(), value);
    }
    object.add("metrics", metrics);
    double[] kept = arm.visualTokensKept();
    object.add(
        "visual_tokens_kept_mean", number(Bootstrap.mean(kept, Bootstrap.identity(kept.length))));
    return object;
  }

  private static JsonArray comparisons(List<Comparison> comparisons) {
    JsonArray array = new JsonArray();
    for (Comparison c : comparisons) {
      JsonObject object = new JsonObject();
      object.addProperty("metric", c.metric().key());
      object.addProperty("unit", c.metric().unit());
      object.addProperty("arm", c.arm());
      object.addProperty("control", c.control());
      object.add("arm_value", number(c.armValue()));
      object.add("control_value", number(c.controlValue()));
      object.add("difference", number(c.difference()));
      object.add("ci_low", number(c.low()));
      object.add("ci_high", number(c.high()));
      object.addProperty("outcome", c.outcome().name().toLowerCase(java.util.Locale.ROOT));
      object.addProperty("verdict", c.verdict());
      array.add(object);
    }
    return array;
  }

  private static JsonObject quality(AbReport.Quality quality) {
    JsonObject object = new JsonObject();
    object.addProperty("ground_truth", quality.groundTruth().toString());
    object.addProperty("images", quality.images());
    String note = quality.note();
    object.add("note", note == null ? JsonNull.INSTANCE : new JsonPrimitive(note));
    JsonArray arms = new JsonArray();
    for (QualityFigures arm : quality.arms()) {
      JsonObject entry = new JsonObject();
      entry.addProperty("name", arm.arm());
      entry.addProperty("images", arm.images());
      for (int i = 0; i < QualityScoring.METRICS.size(); i++) {
        JsonObject value = new JsonObject();
        value.add("value", number(arm.values()[i]));
        double[] interval = arm.interval(i);
        value.add("ci_low", number(interval[0]));
        value.add("ci_high", number(interval[1]));
        entry.add(QualityScoring.METRICS.get(i).key(), value);
      }
      QualityFigures.Coverage coverage = arm.coverage();
      entry.addProperty("unmatched_lines", coverage.unmatched());
      entry.addProperty("lines_without_captions", coverage.withoutCaptions());
      entry.addProperty("repeated_images", coverage.repeats());
      entry.addProperty("mask_size_mismatches", coverage.sizeMismatches());
      arms.add(entry);
    }
    object.add("arms", arms);
    object.add("differences", comparisons(quality.comparisons()));
    return object;
  }

  private static com.google.gson.JsonElement number(double value) {
    return Double.isNaN(value) || Double.isInfinite(value)
        ? JsonNull.INSTANCE
        : new JsonPrimitive(value);
  }
}
