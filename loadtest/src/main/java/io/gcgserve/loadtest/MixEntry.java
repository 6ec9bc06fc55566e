package io.gcgserve.loadtest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.PrunerSpec;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One configuration of the request mix: a pruner spec (or an experiment whose arm chooses it),
 * optionally a budget, and its weight in the mix.
 *
 * @param name the configuration's label in every breakdown; derived from the spec when absent
 * @param weight relative weight, &gt; 0 (default 1)
 * @param pruner the pruner's registry name; absent with an experiment, {@code none} otherwise
 * @param params the pruner's parameters as name → text, as in {@code PrunerSpec.params}
 * @param experiment an experiment name; its arm chooses the pruner
 * @param budget a budget, or absent
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MixEntry(
    @JsonProperty("name") @Nullable String name,
    @JsonProperty("weight") @Nullable Double weight,
    @JsonProperty("pruner") @Nullable String pruner,
    @JsonProperty("params") Map<String, String> params,
    @JsonProperty("experiment") @Nullable String experiment,
    @JsonProperty("budget") @Nullable BudgetSpec budget) {

  /** Checks the combination and copies the parameters. */
  public MixEntry {
    params = params == null ? Map.of() : Map.copyOf(new TreeMap<>(params));
    if (weight != null && !(weight > 0)) {
      throw new IllegalArgumentException("mix weight must be > 0, got " + weight);
    }
    if (experiment != null && (pruner != null || !params.isEmpty())) {
      throw new IllegalArgumentException(
          "mix entry for experiment '"
              + experiment
              + "' also names a pruner: the arm chooses it, drop pruner/params");
    }
  }

  /**
   * Parses the flag form {@code PRUNER[@KEEP][+BUDGET][*WEIGHT]} or {@code exp:NAME[+BUDGET][*W]},
   * e.g. {@code altp@0.25}, {@code fastv@0.1*2}, {@code altp+ttft=400ms}, {@code
   * exp:fastv-vs-altp}.
   */
  static MixEntry parse(String text) {
    String body = text.trim();
    Double weight = null;
    int star = body.lastIndexOf('*');
    if (star >= 0) {
      weight = Double.parseDouble(body.substring(star + 1));
      body = body.substring(0, star);
    }
    BudgetSpec budget = null;
    int plus = body.indexOf('+');
    if (plus >= 0) {
      budget = BudgetSpec.parse(body.substring(plus + 1));
      body = body.substring(0, plus);
    }
    if (body.startsWith("exp:")) {
      return new MixEntry(null, weight, null, Map.of(), body.substring(4), budget);
    }
    Map<String, String> params = new TreeMap<>();
    int at = body.indexOf('@');
    if (at >= 0) {
      params.put("keep_ratio", Double.toString(Double.parseDouble(body.substring(at + 1))));
      body = body.substring(0, at);
    }
    if (body.isEmpty()) {
      throw new IllegalArgumentException(
          "mix entry '" + text + "' names no pruner: write e.g. none, altp@0.25 or exp:NAME");
    }
    return new MixEntry(null, weight, body, params, null, budget);
  }

  /** The label: the given name, else e.g. {@code altp@0.25}, {@code exp:NAME}, plus the budget. */
  String label() {
    if (name != null) {
      return name;
    }
    String base;
    if (experiment != null) {
      base = "exp:" + experiment;
    } else {
      String keep = params.get("keep_ratio");
      base = prunerName() + (keep == null ? "" : "@" + keep) + otherParams();
    }
    return budget == null ? base : base + "+" + budget.tier();
  }

  private String otherParams() {
    StringBuilder text = new StringBuilder();
    params.forEach(
        (key, value) -> {
          if (!key.equals("keep_ratio")) {
            text.append(',').append(key).append('=').append(value);
          }
        });
    return text.toString();
  }

  /** The requested pruner, {@code none} when unset; {@code exp:NAME} for an experiment. */
  String prunerName() {
    if (experiment != null) {
      return "exp:" + experiment;
    }
    return pruner == null || pruner.isEmpty() ? "none" : pruner;
  }

  /** The requested keep ratio as text, or {@code null}. */
  @Nullable String keepRatio() {
    return params.get("keep_ratio");
  }

  /** The weight, 1 when unset. */
  double weightOrOne() {
    return weight == null ? 1 : weight;
  }

  /** The budget tier label, {@code none} without a budget. */
  String budgetTier() {
    return budget == null ? "none" : budget.tier();
  }

  /** Sets this entry's pruner or experiment and budget on {@code request}. */
  void applyTo(CaptionRequest.Builder request, String subjectKey) {
    if (experiment != null) {
      request.setExperiment(experiment).setSubjectKey(subjectKey);
    } else {
      request.setPruner(PrunerSpec.newBuilder().setName(prunerName()).putAllParams(params));
    }
    if (budget != null) {
      request.setBudget(budget.toProto());
    }
  }
}
