package io.gcgserve.server.experiment;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The experiments in force at one moment, immutable: a reload replaces the whole set at once, so a
 * request sees either the old file or the new one, never a mix.
 *
 * @param experiments in file order
 * @param sha256 SHA-256 of the file's bytes, lowercase hex; empty for {@link #NONE}
 */
public record ExperimentSet(List<Experiment> experiments, String sha256) {

  /** No experiments: the server without {@code --experiments}. */
  public static final ExperimentSet NONE = new ExperimentSet(List.of(), "");

  /** Checks and copies. */
  public ExperimentSet {
    experiments = List.copyOf(experiments);
    requireNonNull(sha256, "sha256 is null");
  }

  /** The experiment named {@code name}, or null. */
  public @Nullable Experiment find(String name) {
    for (Experiment experiment : experiments) {
      if (experiment.name().equals(name)) {
        return experiment;
      }
    }
    return null;
  }

  /** The names, comma-separated, for messages; {@code (none)} when empty. */
  public String names() {
    return experiments.isEmpty()
        ? "(none)"
        : experiments.stream().map(Experiment::name).collect(Collectors.joining(", "));
  }

  /** Experiment name → its arm names, for keeping metric label sets to what is in force. */
  public Map<String, List<String>> armNames() {
    Map<String, List<String>> names = new LinkedHashMap<>();
    for (Experiment experiment : experiments) {
      names.put(experiment.name(), experiment.arms().stream().map(Arm::name).toList());
    }
    return names;
  }
}
