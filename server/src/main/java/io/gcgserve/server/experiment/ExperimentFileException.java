package io.gcgserve.server.experiment;

import java.util.List;

/**
 * An experiments file that cannot be put in force, with every problem found in it, each naming the
 * file, line and column, and the field.
 */
public final class ExperimentFileException extends Exception {

  private static final long serialVersionUID = 1L;

  /** The problems, one per line of {@link #getMessage()}. */
  @SuppressWarnings("serial") // an immutable List.copyOf, serializable in practice
  private final List<String> problems;

  /** A file with {@code problems} (at least one). */
  public ExperimentFileException(String file, List<String> problems) {
    super(
        "experiments file "
            + file
            + " is invalid ("
            + problems.size()
            + (problems.size() == 1 ? " problem" : " problems")
            + "):\n  "
            + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Each problem as {@code file:line:column: field: what is wrong}. */
  public List<String> problems() {
    return problems;
  }
}
