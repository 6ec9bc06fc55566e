package io.gcgserve.eval.ab;

import io.gcgserve.server.accesslog.AccessLogEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One experiment's lines of a log, split by arm, and the control arm.
 *
 * <p>Arms are listed in the experiments file's order, which the server writes into every line
 * ({@code arm_index}); lines without it (older logs) list their arms in order of first appearance,
 * after those with it. The control is the arm named by {@code --control}, else the first listed
 * arm: the file's first arm, as the experiments file documents.
 *
 * @param experiment the experiment's name
 * @param arms the arms in file order (then order of first appearance)
 * @param control the control arm's name
 * @param controlReason how the control was chosen, for the report
 * @param otherLines lines of other experiments or of none
 * @param withoutArm lines of the experiment that name no arm (skipped)
 */
public record ExperimentLog(
    String experiment,
    List<ArmSample> arms,
    String control,
    String controlReason,
    long otherLines,
    long withoutArm) {

  /** Copies. */
  public ExperimentLog {
    Objects.requireNonNull(experiment, "experiment is null");
    arms = List.copyOf(arms);
  }

  /**
   * Selects {@code experiment} (or the log's only one) and its control ({@code control}, or the
   * first arm).
   *
   * @throws IllegalArgumentException naming the experiments or arms there are, when the one asked
   *     for is not in the log, or when none was named and the log holds not exactly one
   */
  public static ExperimentLog select(
      LogReading reading, @Nullable String experiment, @Nullable String control) {
    Map<String, Integer> experiments = new TreeMap<>();
    for (AccessLogEntry entry : reading.entries()) {
      if (entry.experiment() != null) {
        experiments.merge(entry.experiment(), 1, Integer::sum);
      }
    }
    String chosen = experiment;
    if (chosen == null) {
      if (experiments.size() != 1) {
        throw new IllegalArgumentException(
            experiments.isEmpty()
                ? "the log holds no experiment lines (was the server run with --experiments and"
                    + " requests that name an experiment?)"
                : "the log holds several experiments; choose one with --experiment: "
                    + experiments);
      }
      chosen = experiments.keySet().iterator().next();
    } else if (!experiments.containsKey(chosen)) {
      throw new IllegalArgumentException(
          "experiment " + chosen + " is not in the log; it holds " + experiments);
    }
    Map<String, List<AccessLogEntry>> byArm = new LinkedHashMap<>();
    long other = 0;
    long withoutArm = 0;
    for (AccessLogEntry entry : reading.entries()) {
      String arm = entry.arm();
      if (!chosen.equals(entry.experiment())) {
        other++;
      } else if (arm == null) {
        withoutArm++;
      } else {
        byArm.computeIfAbsent(arm, key -> new ArrayList<>()).add(entry);
      }
    }
    List<ArmSample> arms = new ArrayList<>();
    byArm.forEach((name, entries) -> arms.add(new ArmSample(name, entries)));
    // file order when the lines carry it (arm_index), else order of first appearance
    arms.sort(Comparator.comparingInt(ExperimentLog::armIndex));
    if (arms.isEmpty()) {
      throw new IllegalArgumentException("experiment " + chosen + " has no line naming an arm");
    }
    String controlArm;
    String reason;
    if (control != null) {
      if (!byArm.containsKey(control)) {
        throw new IllegalArgumentException(
            "control arm "
                + control
                + " is not in the log; experiment "
                + chosen
                + " has arms "
                + byArm.keySet());
      }
      controlArm = control;
      reason = "named by --control";
    } else {
      controlArm = arms.get(0).name();
      reason =
          armIndex(arms.get(0)) == 0
              ? "the experiment's first arm in the experiments file"
              : "the arm of the experiment's first line in the log (the lines carry no"
                  + " arm_index); name one with --control";
    }
    return new ExperimentLog(chosen, arms, controlArm, reason, other, withoutArm);
  }

  /** The arm's position in the experiments file, from its lines; after every known one if none. */
  private static int armIndex(ArmSample arm) {
    for (AccessLogEntry entry : arm.entries()) {
      Integer index = entry.armIndex();
      if (index != null) {
        return index;
      }
    }
    return Integer.MAX_VALUE;
  }

  /** The control arm's sample. */
  public ArmSample controlArm() {
    for (ArmSample arm : arms) {
      if (arm.name().equals(control)) {
        return arm;
      }
    }
    throw new IllegalStateException("control " + control + " is not an arm");
  }
}
