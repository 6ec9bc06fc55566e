package io.gcgserve.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import io.gcgserve.client.CaptionCli;
import io.gcgserve.eval.cli.EvalCommand;
import io.gcgserve.examples.grid.GridPrunerFactory;
import io.gcgserve.loadtest.LoadTestCommand;
import io.gcgserve.model.GroundedCaptioner;
import io.gcgserve.model.data.DataCommand;
import io.gcgserve.model.djl.DjlGroundedCaptioner;
import io.gcgserve.model.train.TrainCommand;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.builtin.BuiltInPruners;
import io.gcgserve.server.Main;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The production classes of every module keep the layering rules. */
class LayeringRulesTest {

  private final JavaClasses production = ProductionClasses.all();

  @Test
  void importsOneClassOfEveryModuleSoNoRulePassesOnAnEmptyImport() {
    List<Class<?>> oneClassPerModule =
        List.of(
            CaptionRequest.class,
            PrunerRegistry.class,
            BuiltInPruners.class,
            GroundedCaptioner.class,
            DjlGroundedCaptioner.class,
            DataCommand.class,
            TrainCommand.class,
            Main.class,
            CaptionCli.class,
            EvalCommand.class,
            GridPrunerFactory.class,
            LoadTestCommand.class);

    assertThat(oneClassPerModule)
        .allSatisfy(type -> assertThat(production.contain(type)).as(type.getName()).isTrue());
    assertThat(production.stream().map(JavaClass::getPackageName))
        .noneMatch(name -> name.startsWith("io.gcgserve.architecture"));
  }

  @Test
  void onlyRuntimeTrainingAndModelBenchmarkUseDjl() {
    LayeringRules.ONLY_RUNTIME_TRAINING_AND_MODEL_BENCHMARK_USE_DJL.check(production);
  }

  @Test
  void prunerSpiDependsOnlyOnJdkAndJspecify() {
    LayeringRules.PRUNER_SPI_DEPENDS_ONLY_ON_JDK.check(production);
  }

  @Test
  void modelApiDependsOnlyOnJdkImageIoSpiAndJspecify() {
    LayeringRules.MODEL_API_DEPENDS_ONLY_ON_JDK_AND_SPI.check(production);
  }

  @Test
  void engineDependsOnlyOnTheModelApi() {
    LayeringRules.ENGINE_DEPENDS_ONLY_ON_THE_MODEL_API.check(production);
  }

  @Test
  void serverDoesNotUseDataTrainingOrEval() {
    LayeringRules.SERVER_DOES_NOT_USE_DATA_TRAINING_OR_EVAL.check(production);
  }

  @Test
  void onlyTheImagePackageDecodesImages() {
    LayeringRules.ONLY_THE_IMAGE_PACKAGE_DECODES_IMAGES.check(production);
  }

  @Test
  void loadTesterTalksToTheServerOverGrpcOnly() {
    LayeringRules.LOAD_TESTER_TALKS_TO_THE_SERVER_OVER_GRPC_ONLY.check(production);
  }

  @Test
  void onlyThePrunerRegistryLoadsServices() {
    LayeringRules.ONLY_THE_REGISTRY_LOADS_SERVICES.check(production);
  }
}
