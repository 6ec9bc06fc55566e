package io.gcgserve.server.experiment;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * An A/B experiment: requests naming it get the pruner of one of its arms, chosen by {@link
 * ArmHash}.
 *
 * @param name what {@code CaptionRequest.experiment} names
 * @param salt mixed into the hash so experiments assign independently of each other
 * @param arms 2 to {@value ExperimentFile#MAX_ARMS} arms in file order; the first is the control
 */
public record Experiment(String name, String salt, List<Arm> arms) {

  /** Checks and copies. */
  public Experiment {
    requireNonNull(name, "name is null");
    requireNonNull(salt, "salt is null");
    arms = List.copyOf(arms);
    if (arms.isEmpty()) {
      throw new IllegalArgumentException("an experiment needs arms");
    }
  }

  /** The arm named {@code armName}, or null. */
  public @org.jspecify.annotations.Nullable Arm arm(String armName) {
    for (Arm arm : arms) {
      if (arm.name().equals(armName)) {
        return arm;
      }
    }
    return null;
  }
}
