package io.gcgserve.server.pruner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.examples.grid.GridPrunerFactory;
import io.gcgserve.proto.v1.FastVParams;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.proto.v1.PyramidDropParams;
import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.NoPruner;
import io.gcgserve.pruners.PrunerFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrunerRegistryTest {

  @Test
  void discoversThePluginThroughServiceLoader() {
    PrunerRegistry registry = new PrunerRegistry(Map.of(NoPruner.NAME, new NoPruner()));
    assertThat(registry.names()).containsExactly("grid", "none");
    assertThat(registry.find("grid")).isInstanceOf(GridPrunerFactory.class);
    assertThat(registry.entries())
        .extracting(PrunerRegistry.Entry::builtIn)
        .containsExactly(false, true);
  }

  @Test
  void moduleBindsEveryBuiltIn() {
    PrunerRegistry registry =
        com.google.inject.Guice.createInjector(new PrunerModule())
            .getInstance(PrunerRegistry.class);
    assertThat(registry.names()).containsExactly("altp", "fastv", "grid", "none", "pdrop");
  }

  @Test
  void duplicateNamesFailStartup() {
    assertThatThrownBy(
            () ->
                new PrunerRegistry(
                    Map.of("grid", new GridPrunerFactory()),
                    List.<PrunerFactory>of(new GridPrunerFactory())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("two pruners are named 'grid'");
  }

  @Test
  void bindingKeyMustMatchTheFactoryName() {
    assertThatThrownBy(() -> new PrunerRegistry(Map.of("nothing", new NoPruner()), List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("bound as 'nothing' reports name 'none'");
  }

  @Test
  void unknownNameListsTheKnownOnes() {
    PrunerRegistry registry = new PrunerRegistry(Map.of(NoPruner.NAME, new NoPruner()), List.of());
    assertThatThrownBy(() -> registry.require("fastv"))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessage("unknown pruner 'fastv'; known pruners: none");
  }

  @Test
  void typedParametersBecomeTheSameStringMapAsPluginParameters() {
    PrunerSpec fastv =
        PrunerSpec.newBuilder()
            .setName(" FastV ")
            .setFastv(FastVParams.newBuilder().setK(2).setKeepRatio(0.25))
            .build();
    PrunerSpec pdrop =
        PrunerSpec.newBuilder()
            .setName("pdrop")
            .setPdrop(
                PyramidDropParams.newBuilder().addStageLayers(1).addStageLayers(3).setLambda(0.5))
            .putParams("keep_tokens", "64")
            .build();
    assertThat(PrunerSpecs.name(fastv)).isEqualTo("fastv");
    assertThat(PrunerSpecs.parameters(fastv))
        .containsExactly(Map.entry("k", "2"), Map.entry("keep_ratio", "0.25"));
    assertThat(PrunerSpecs.parameters(pdrop))
        .containsExactly(
            Map.entry("stage_layers", "1,3"),
            Map.entry("lambda", "0.5"),
            Map.entry("keep_tokens", "64"));
    assertThat(PrunerSpecs.name(PrunerSpec.getDefaultInstance())).isEqualTo("none");
  }

  @Test
  void aParameterGivenBothWaysIsRejected() {
    PrunerSpec spec =
        PrunerSpec.newBuilder()
            .setName("fastv")
            .setFastv(FastVParams.newBuilder().setK(2))
            .putParams("k", "3")
            .build();
    assertThatThrownBy(() -> PrunerSpecs.parameters(spec))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessageContaining("'k' is given both as a typed field and in params");
  }
}
