package io.gcgserve.eval;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One pruner configuration of the benchmark.
 *
 * @param pruner registry name, e.g. {@code fastv}
 * @param parameters pruner parameters as clients send them, sorted by name
 * @param label what the tables call it, e.g. {@code FastV} or {@code Only DDC}
 * @param keepRatio the fraction of visual tokens kept at the end of prefill (1 for none); under the
 *     equal-FLOPs protocol the keep ratio of the group's reference (FastV at this ratio), while the
 *     pruner's own setting is in {@code parameters}
 * @param flopsTarget the Eq. 5 ratio this configuration's keep setting was solved for (equal-FLOPs
 *     protocol), or null when it keeps {@code keepRatio} (equal-tokens protocol)
 */
public record Configuration(
    String pruner,
    Map<String, String> parameters,
    String label,
    double keepRatio,
    @Nullable Double flopsTarget) {

  /** Sorts and copies the parameters. */
  public Configuration {
    Objects.requireNonNull(pruner, "pruner is null");
    Objects.requireNonNull(label, "label is null");
    parameters = java.util.Collections.unmodifiableMap(new TreeMap<>(parameters));
  }

  /** An equal-tokens configuration. */
  public Configuration(
      String pruner, Map<String, String> parameters, String label, double keepRatio) {
    this(pruner, parameters, label, keepRatio, null);
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
