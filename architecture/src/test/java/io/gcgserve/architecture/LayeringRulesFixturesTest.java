package io.gcgserve.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.gcgserve.architecture.fixtures.DjlOutsideTheRuntime;
import io.gcgserve.architecture.fixtures.SecondImageDecoder;
import io.gcgserve.architecture.fixtures.SecondPrunerRegistry;
import io.gcgserve.engine.EngineFixtureUsingTheServer;
import io.gcgserve.loadtest.LoadTestFixtureReadingServerConfig;
import io.gcgserve.model.mask.ModelApiFixtureUsingBuiltInPruners;
import io.gcgserve.pruners.SpiFixtureUsingTheModelApi;
import io.gcgserve.server.ServerFixtureUsingSyntheticData;
import org.junit.jupiter.api.Test;

/**
 * Every layering rule reports a deliberately violating fixture class, so a rule that has become
 * vacuous (a mistyped package, a predicate that matches nothing) fails here instead of passing
 * silently in {@link LayeringRulesTest}.
 */
class LayeringRulesFixturesTest {

  @Test
  void djlUsedOutsideTheRuntimeIsReported() {
    assertReports(
        LayeringRules.ONLY_RUNTIME_TRAINING_AND_MODEL_BENCHMARK_USE_DJL,
        DjlOutsideTheRuntime.class);
  }

  @Test
  void prunerSpiUsingTheModelApiIsReported() {
    assertReports(LayeringRules.PRUNER_SPI_DEPENDS_ONLY_ON_JDK, SpiFixtureUsingTheModelApi.class);
  }

  @Test
  void modelApiUsingTheBuiltInPrunersIsReported() {
    assertReports(
        LayeringRules.MODEL_API_DEPENDS_ONLY_ON_JDK_AND_SPI,
        ModelApiFixtureUsingBuiltInPruners.class);
  }

  @Test
  void engineUsingTheServerIsReported() {
    assertReports(
        LayeringRules.ENGINE_DEPENDS_ONLY_ON_THE_MODEL_API, EngineFixtureUsingTheServer.class);
  }

  @Test
  void serverUsingSyntheticDataIsReported() {
    assertReports(
        LayeringRules.SERVER_DOES_NOT_USE_DATA_TRAINING_OR_EVAL,
        ServerFixtureUsingSyntheticData.class);
  }

  @Test
  void imageIoDecodingOutsideTheImagePackageIsReported() {
    assertReports(LayeringRules.ONLY_THE_IMAGE_PACKAGE_DECODES_IMAGES, SecondImageDecoder.class);
  }

  @Test
  void serviceLoaderOutsideThePrunerRegistryIsReported() {
    assertReports(LayeringRules.ONLY_THE_REGISTRY_LOADS_SERVICES, SecondPrunerRegistry.class);
  }

  @Test
  void loadTesterReadingTheServersInsidesIsReported() {
    assertReports(
        LayeringRules.LOAD_TESTER_TALKS_TO_THE_SERVER_OVER_GRPC_ONLY,
        LoadTestFixtureReadingServerConfig.class);
  }

  private static void assertReports(ArchRule rule, Class<?> fixture) {
    EvaluationResult result = rule.evaluate(new ClassFileImporter().importClasses(fixture));

    assertThat(result.hasViolation()).as("%s reports %s", rule, fixture.getName()).isTrue();
    assertThat(result.getFailureReport().getDetails())
        .anyMatch(detail -> detail.contains(fixture.getName()));
  }
}
