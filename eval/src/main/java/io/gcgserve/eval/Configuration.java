package io.gcgserve.eval;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One pruner configuration of the benchmark.
 *
 * @param pruner registry name, e.g. {@code fastv}
 * @param parameters pruner parameters as clients send them, sorted by name
 * @param label what the tables call it, e.g. {@code FastV} or {@code Only DDC}
 * @param keepRatio the fraction of visual tokens kept at the end of prefill (1 for none)
 */
public record Configuration(
    String pruner, Map<String, String> parameters, String label, double keepRatio) {

  /** Sorts and copies the parameters. */
  public Configuration {
    Objects.requireNonNull(pruner, "pruner is null");
    Objects.requireNonNull(label, "label is null");
    parameters = java.util.Collections.unmodifiableMap(new TreeMap<>(parameters));
  }

  /**
   * Stable identity, {@code pruner{name=value,...}}, used as the key of resumable results: equal
   * pruner and parameters are the same configuration whatever table lists them.
   */
  public String id() {
    StringBuilder id = new StringBuilder(pruner).append('{');
    boolean first = true;
    for (Map.Entry<String, String> entry : parameters.entrySet()) {
      if (!first) {
        id.append(',');
      }
      id.append(entry.getKey()).append('=').append(entry.getValue());
      first = false;
    }
    return id.append('}').toString();
  }
}
