package io.gcgserve.server.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.builtin.BuiltInPruners;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentFileTest {

  static final PrunerRegistry REGISTRY = BuiltInPruners.registry();

  /** The bundled model's shape: 8 layers, 24 × 24 visual tokens. */
  static final ModelGeometry GEOMETRY = new ModelGeometry(8, 24, 24, 128, 344);

  static final String VALID =
      """
      experiments:
        - name: fastv-vs-altp
          salt: "2026-12"
          arms:
            - name: fastv25
              weight: 1
              pruner: {name: fastv, fastv: {keep_ratio: 0.25}}
            - name: altp25
              weight: 3
              pruner:
                name: altp
                params: {keep_ratio: "0.25", n_superpixels: 32}
        - name: pdrop-check
          salt: s
          arms:
            - {name: control, weight: 1, pruner: {}}
            - {name: pdrop, weight: 1, pruner: {name: pdrop}}
      """;

  static ExperimentSet parse(String yaml) throws ExperimentFileException {
    return ExperimentFile.parse(
        "exp.yaml", yaml.getBytes(StandardCharsets.UTF_8), false, REGISTRY, GEOMETRY);
  }

  static String problems(String yaml) {
    try {
      parse(yaml);
    } catch (ExperimentFileException e) {
      return String.join("\n", e.problems());
    }
    throw new AssertionError("the file was accepted:\n" + yaml);
  }

  @Test
  void readsAValidFileWithSharesAndParameters() throws ExperimentFileException {
    ExperimentSet set = parse(VALID);
    assertThat(set.names()).isEqualTo("fastv-vs-altp, pdrop-check");
    Experiment experiment = set.find("fastv-vs-altp");
    assertThat(experiment).isNotNull();
    assertThat(experiment.salt()).isEqualTo("2026-12");
    Arm altp = experiment.arms().get(1);
    assertThat(altp.prunerName()).isEqualTo("altp");
    assertThat(altp.parameters()).containsEntry("keep_ratio", "0.25");
    assertThat(altp.parameters()).containsEntry("n_superpixels", "32");
    assertThat(altp.share()).isEqualTo(0.75);
    assertThat(experiment.arms().get(0).parameters()).containsEntry("keep_ratio", "0.25");
    assertThat(set.find("pdrop-check").arms().get(0).prunerName()).isEqualTo("none");
    assertThat(set.sha256()).hasSize(64);
  }

  @Test
  void theDocumentedExampleIsValid() throws ExperimentFileException {
    // surefire runs in the module directory
    ExperimentSet set =
        ExperimentFile.read(Path.of("../examples/experiments.yaml"), REGISTRY, GEOMETRY);
    assertThat(set.names()).isEqualTo("fastv-vs-altp-25, pdrop-canary");
    assertThat(set.find("pdrop-canary").arms().get(1).share()).isEqualTo(0.1);
  }

  @Test
  void jsonFilesReadTheSame(@TempDir Path directory) throws Exception {
    Path json = directory.resolve("exp.json");
    Files.writeString(
        json,
        "{\"experiments\": [{\"name\": \"e\", \"salt\": \"s\", \"arms\": ["
            + "{\"name\": \"a\", \"weight\": 1, \"pruner\": {\"name\": \"fastv\","
            + " \"fastv\": {\"keepRatio\": 0.5}}},"
            + "{\"name\": \"b\", \"weight\": 1, \"pruner\": {\"name\": \"none\"}}]}]}");
    ExperimentSet set = ExperimentFile.read(json, REGISTRY, GEOMETRY);
    assertThat(set.find("e").arms().get(0).parameters()).containsEntry("keep_ratio", "0.5");
  }

  @Test
  void anUnknownPrunerIsNamedWithItsLineAndTheRegisteredOnes() {
    String problems = problems(VALID.replace("name: fastv, fastv:", "name: fastvv, fastv:"));
    assertThat(problems)
        .contains("exp.yaml:7:")
        .contains("experiments[0].arms[0].pruner")
        .contains("fastvv")
        .contains("altp");
  }

  @Test
  void aBadParameterIsRefusedByThePrunersOwnChecks() {
    assertThat(problems(VALID.replace("keep_ratio: 0.25}", "keep_ratio: 1.5}")))
        .contains("exp.yaml:7:")
        .contains("keep_ratio");
    assertThat(problems(VALID.replace("n_superpixels: 32", "n_superpixels: lots")))
        .contains("experiments[0].arms[1].pruner")
        .contains("n_superpixels");
  }

  @Test
  void withoutTheGeometryParametersWaitButNamesAreChecked() throws ExperimentFileException {
    byte[] bad = VALID.replace("keep_ratio: 0.25}", "keep_ratio: 1.5}").getBytes();
    assertThat(ExperimentFile.parse("exp.yaml", bad, false, REGISTRY, null).experiments())
        .hasSize(2);
    byte[] unknown = VALID.replace("name: pdrop}", "name: nope}").getBytes();
    assertThatThrownBy(() -> ExperimentFile.parse("exp.yaml", unknown, false, REGISTRY, null))
        .hasMessageContaining("nope");
  }

  @Test
  void duplicateExperimentAndArmNamesAreRefused() {
    assertThat(problems(VALID.replace("name: pdrop-check", "name: fastv-vs-altp")))
        .contains("exp.yaml:13:")
        .contains("experiment 'fastv-vs-altp' is defined twice");
    assertThat(problems(VALID.replace("name: altp25", "name: fastv25")))
        .contains("experiments[0].arms[1].name: arm 'fastv25' is defined twice");
  }

  @Test
  void weightsMustBePositiveNumbers() {
    assertThat(problems(VALID.replace("weight: 3", "weight: 0")))
        .contains("exp.yaml:9:")
        .contains("experiments[0].arms[1].weight: must be a positive number, got 0");
    assertThat(problems(VALID.replace("weight: 3", "weight: -2"))).contains("got -2");
    assertThat(problems(VALID.replace("weight: 3", "weight: lots"))).contains("got 'lots'");
    assertThat(problems(VALID.replace("        weight: 3\n", "")))
        .contains("experiments[0].arms[1]: missing 'weight'");
  }

  @Test
  void armCountsAreBetweenTwoAndSixteen() {
    String seventeen =
        IntStream.range(0, 17)
            .mapToObj(i -> "      - {name: a" + i + ", weight: 1, pruner: {}}\n")
            .collect(Collectors.joining());
    assertThat(problems("experiments:\n  - name: e\n    salt: s\n    arms:\n" + seventeen))
        .contains("experiments[0].arms: has 17 arms; an experiment has 2 to 16");
    assertThat(
            problems(
                "experiments:\n  - name: e\n    salt: s\n    arms:\n"
                    + "      - {name: a, weight: 1, pruner: {}}\n"))
        .contains("has 1 arms");
  }

  @Test
  void unknownKeysNamesAndSyntaxErrorsAreRefused() {
    assertThat(problems(VALID.replace("weight: 3", "wieght: 3")))
        .contains(
            "experiments[0].arms[1].wieght: unknown key 'wieght'; allowed here: name,"
                + " pruner, weight");
    assertThat(problems(VALID.replace("name: pdrop-check", "name: 'pdrop check'")))
        .contains("must be 1 to 64 of letters");
    assertThat(problems(VALID.replace("name: pdrop-check", "name: none")))
        .contains("'none' is reserved");
    assertThat(problems(VALID.replace("    salt: s\n", ""))).contains("missing 'salt'");
    assertThat(problems("experiments: [\n")).contains("not valid YAML");
    assertThat(problems("")).contains("must be a mapping with the key 'experiments'");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    String problems =
        problems(VALID.replace("weight: 3", "weight: 0").replace("name: pdrop}", "name: x}"));
    assertThat(problems.lines()).hasSize(2);
  }
}
