package io.gcgserve.server.pruner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.proto.v1.AltpParams;
import io.gcgserve.proto.v1.FastVParams;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.proto.v1.PyramidDropParams;
import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.pruners.builtin.BuiltInPruners;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrunerSpecsTest {

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
  void everyTypedFieldIsAParameterOfItsPruner() {
    PrunerRegistry registry = BuiltInPruners.registry();
    for (var oneofField : PrunerSpec.getDescriptor().getOneofs().get(0).getFields()) {
      PrunerFactory factory = registry.require(oneofField.getName());
      for (var parameter : oneofField.getMessageType().getFields()) {
        assertThat(factory.parameters())
            .as("%s.%s", oneofField.getName(), parameter.getName())
            .anySatisfy(spec -> assertThat(spec.name()).isEqualTo(parameter.getName()));
      }
    }
  }

  @Test
  void everyTypedAltpFieldReachesTheFactory() {
    PrunerSpec altp =
        PrunerSpec.newBuilder()
            .setName("altp")
            .setAltp(
                AltpParams.newBuilder()
                    .setKeepTokens(40)
                    .setK(2)
                    .setNSuperpixels(7)
                    .setCompactness(5.5)
                    .setSigma(0.5)
                    .setTemperature(0.3)
                    .setMinPerRegion(2)
                    .setAllocation("uniform")
                    .setSegmentPixelsPerToken(1))
            .build();
    assertThat(PrunerSpecs.parameters(altp))
        .containsExactly(
            Map.entry("keep_tokens", "40"),
            Map.entry("k", "2"),
            Map.entry("n_superpixels", "7"),
            Map.entry("compactness", "5.5"),
            Map.entry("sigma", "0.5"),
            Map.entry("temperature", "0.3"),
            Map.entry("min_per_region", "2"),
            Map.entry("allocation", "uniform"),
            Map.entry("segment_pixels_per_token", "1"));
  }

  @Test
  void typedParametersOfAnotherPrunerAreRejected() {
    PrunerSpec spec =
        PrunerSpec.newBuilder().setName("altp").setFastv(FastVParams.newBuilder().setK(2)).build();
    assertThatThrownBy(() -> PrunerSpecs.parameters(spec))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessage(
            "typed parameters 'fastv' belong to pruner 'fastv' but the request names 'altp'; use"
                + " params for other pruners");
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
