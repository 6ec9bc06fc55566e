package io.gcgserve.server.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.metrics.RequestLabels;
import io.gcgserve.server.metrics.ServingMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentsTest {

  @TempDir Path directory;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final ServingMetrics metrics = new ServingMetrics(registry);

  private Experiments experiments(Path file) {
    return new Experiments(
        new ServerConfig().setExperimentsFile(file).setExperimentsPollSeconds(0),
        ExperimentFileTest.REGISTRY,
        metrics,
        registry);
  }

  /** The same file in another server process, with its own metrics. */
  private static Experiments inAnotherProcess(Path file) {
    PrometheusRegistry processRegistry = new PrometheusRegistry();
    return new Experiments(
        new ServerConfig().setExperimentsFile(file).setExperimentsPollSeconds(0),
        ExperimentFileTest.REGISTRY,
        new ServingMetrics(processRegistry),
        processRegistry);
  }

  private double reloads(String result) {
    return registry.scrape().stream()
        .filter(s -> s.getMetadata().getPrometheusName().equals("gcg_experiments_reloads"))
        .flatMap(s -> s.getDataPoints().stream())
        .filter(p -> result.equals(p.getLabels().get("result")))
        .mapToDouble(p -> ((CounterSnapshot.CounterDataPointSnapshot) p).getValue())
        .sum();
  }

  private Set<String> experimentLabels() {
    return registry.scrape().stream()
        .filter(s -> s.getMetadata().getPrometheusName().equals("gcg_requests"))
        .flatMap(s -> s.getDataPoints().stream())
        .map(p -> p.getLabels().get("experiment") + "/" + p.getLabels().get("arm"))
        .collect(Collectors.toSet());
  }

  @Test
  void theSameKeyGetsTheSameArmAfterARestart() throws Exception {
    Path file = directory.resolve("exp.yaml");
    Files.writeString(file, ExperimentFileTest.VALID);
    Experiments first = experiments(file);
    first.activate(ExperimentFileTest.GEOMETRY);
    Experiments restarted = inAnotherProcess(file);
    restarted.activate(ExperimentFileTest.GEOMETRY);
    for (int key = 0; key < 2000; key++) {
      Experiments.Choice before = first.choose("fastv-vs-altp", "user-" + key);
      Experiments.Choice after = restarted.choose("fastv-vs-altp", "user-" + key);
      assertThat(after.arm().name()).isEqualTo(before.arm().name());
      assertThat(after.assignment()).isEqualTo(Experiments.Assignment.HASHED);
    }
    assertThat(first.choose("fastv-vs-altp", "").assignment())
        .isEqualTo(Experiments.Assignment.RANDOM);
    assertThat(first.choose("nope", "user-1")).isNull();
  }

  @Test
  void aBadFileIsRefusedAtStart() throws Exception {
    Path file = directory.resolve("exp.yaml");
    Files.writeString(file, ExperimentFileTest.VALID.replace("weight: 3", "weight: 0"));
    Experiments experiments = experiments(file);
    assertThatThrownBy(experiments::check)
        .isInstanceOf(ExperimentFileException.class)
        .hasMessageContaining(file + ":9:")
        .hasMessageContaining("weight");
    assertThatThrownBy(() -> experiments.activate(ExperimentFileTest.GEOMETRY))
        .isInstanceOf(ExperimentFileException.class);
    assertThat(experiments.current()).isEqualTo(ExperimentSet.NONE);
    Experiments missing = inAnotherProcess(directory.resolve("absent.yaml"));
    assertThatThrownBy(missing::check).hasMessageContaining("cannot be read");
  }

  @Test
  void aValidReloadReplacesTheSetAndAnInvalidOneKeepsIt() throws Exception {
    Path file = directory.resolve("exp.yaml");
    Files.writeString(file, ExperimentFileTest.VALID);
    Experiments experiments = experiments(file);
    experiments.activate(ExperimentFileTest.GEOMETRY);
    ExperimentSet original = experiments.current();
    metrics.requestFinished(new RequestLabels("fastv", "fastv-vs-altp", "fastv25"), "OK");
    metrics.requestFinished(new RequestLabels("pdrop", "pdrop-check", "pdrop"), "OK");
    metrics.requestFinished(RequestLabels.of("none"), "OK");

    assertThat(experiments.reload()).isEqualTo("unchanged");

    Files.writeString(file, ExperimentFileTest.VALID.replace("name: fastvv", "x") + "oops: 1\n");
    assertThat(experiments.reload()).isEqualTo("rejected");
    assertThat(experiments.current()).isSameAs(original);
    assertThat(reloads("rejected")).isEqualTo(1);

    String withoutSecond =
        ExperimentFileTest.VALID.substring(0, ExperimentFileTest.VALID.indexOf("  - name: pdrop"));
    Files.writeString(file, withoutSecond.replace("weight: 3", "weight: 1"));
    assertThat(experiments.reload()).isEqualTo("applied");
    assertThat(experiments.current().names()).isEqualTo("fastv-vs-altp");
    assertThat(experiments.current().find("fastv-vs-altp").arms().get(1).share()).isEqualTo(0.5);
    assertThat(experiments.choose("pdrop-check", "k")).isNull();
    assertThat(reloads("applied")).isEqualTo(2);
    // the removed experiment's series are gone; the others stay
    assertThat(experimentLabels()).containsExactlyInAnyOrder("fastv-vs-altp/fastv25", "none/none");
  }

  @Test
  void pollingNoticesAChange() throws Exception {
    Path file = directory.resolve("exp.yaml");
    Files.writeString(file, ExperimentFileTest.VALID);
    Experiments experiments =
        new Experiments(
            new ServerConfig().setExperimentsFile(file).setExperimentsPollSeconds(1),
            ExperimentFileTest.REGISTRY,
            metrics,
            registry);
    try {
      experiments.activate(ExperimentFileTest.GEOMETRY);
      Files.writeString(file, ExperimentFileTest.VALID.replace("weight: 3", "weight: 1"));
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (reloads("applied") < 2 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(experiments.current().find("fastv-vs-altp").arms().get(1).share()).isEqualTo(0.5);
    } finally {
      experiments.close();
    }
  }
}
