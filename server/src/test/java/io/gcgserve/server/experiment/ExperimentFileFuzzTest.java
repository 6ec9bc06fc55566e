package io.gcgserve.server.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.builtin.BuiltInPruners;

/**
 * Jazzer fuzz target of the experiments file parser (YAML and JSON): a validated set, or an
 * ExperimentFileException listing problems; nothing else. Replays its committed inputs in the
 * normal test run; {@code bin/gcg-fuzz experiments SECONDS} fuzzes it.
 */
class ExperimentFileFuzzTest {

  private static final PrunerRegistry REGISTRY = BuiltInPruners.registry();
  private static final ModelGeometry GEOMETRY = new ModelGeometry(4, 24, 24, 128, 256);

  @FuzzTest(maxDuration = "2m")
  void experimentsFile(FuzzedDataProvider data) {
    boolean json = data.consumeBoolean();
    boolean withModel = data.consumeBoolean();
    byte[] bytes = data.consumeRemainingAsBytes();
    try {
      ExperimentSet set =
          ExperimentFile.parse(
              json ? "fuzz.json" : "fuzz.yaml", bytes, json, REGISTRY, withModel ? GEOMETRY : null);
      assertThat(set.experiments().size()).isLessThanOrEqualTo(ExperimentFile.MAX_EXPERIMENTS);
    } catch (ExperimentFileException expected) {
      assertThat(expected.problems()).isNotEmpty();
    }
  }
}
