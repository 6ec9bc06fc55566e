package io.gcgserve.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One scenario's figures and the checks it was held to.
 *
 * @param name the scenario
 * @param figures what was measured, one line
 * @param checks its criteria, each met or not
 */
record ScenarioResult(String name, String figures, List<Check> checks) {

  /**
   * One criterion.
   *
   * @param what the criterion, e.g. {@code refusal p99 < 10 ms}
   * @param met whether it held
   * @param statistical a timing or trend criterion, which depends on the machine and on the sample
   *     size (the quick test reports these but does not hold tiny runs to them)
   */
  record Check(String what, boolean met, boolean statistical) {}

  ScenarioResult {
    checks = List.copyOf(checks);
  }

  /** A scenario that could not run to its end. */
  static ScenarioResult failed(String name, String why) {
    return new ScenarioResult(name, why, List.of(new Check("ran to its end", false, false)));
  }

  /** Whether every check held. */
  boolean passed() {
    return checks.stream().allMatch(Check::met);
  }

  /** The result line: {@code PASS|FAIL name: figures; criteria: ... (FAILED: ...)}. */
  String line() {
    String criteria = checks.stream().map(Check::what).collect(Collectors.joining("; "));
    List<String> failed = new ArrayList<>();
    for (Check check : checks) {
      if (!check.met()) {
        failed.add(check.what());
      }
    }
    return (passed() ? "PASS " : "FAIL ")
        + name
        + ": "
        + figures
        + " | criteria: "
        + criteria
        + (failed.isEmpty() ? "" : " | NOT MET: " + String.join("; ", failed));
  }

  /** Collects checks while a scenario runs. */
  static final class Checks {
    private final List<Check> checks = new ArrayList<>();

    /** A criterion of behaviour: counts, statuses, completion. */
    Checks require(String what, boolean met) {
      checks.add(new Check(what, met, false));
      return this;
    }

    /** A timing or trend criterion. */
    Checks measure(String what, boolean met) {
      checks.add(new Check(what, met, true));
      return this;
    }

    List<Check> list() {
      return checks;
    }
  }
}
