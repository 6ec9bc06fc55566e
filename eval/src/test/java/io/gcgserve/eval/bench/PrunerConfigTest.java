package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.proto.v1.PrunerSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrunerConfigTest {

  @Test
  void bareNameHasNoParameters() {
    PrunerConfig none = PrunerConfig.parse("none");
    assertThat(none.label()).isEqualTo("none");
    assertThat(none.spec()).isEqualTo(PrunerSpec.newBuilder().setName("none").build());
  }

  @Test
  void builtInParameterGoesIntoTheTypedField() {
    PrunerSpec spec = PrunerConfig.parse("altp:keep_ratio=0.1:k=2").spec();
    assertThat(spec.getName()).isEqualTo("altp");
    assertThat(spec.getTypedParamsCase()).isEqualTo(PrunerSpec.TypedParamsCase.ALTP);
    assertThat(spec.getAltp().getKeepRatio()).isEqualTo(0.1);
    assertThat(spec.getAltp().getK()).isEqualTo(2);
    assertThat(spec.getParamsMap()).isEmpty();
  }

  @Test
  void unknownKeysAndPluginsUseTextualParameters() {
    PrunerSpec plugin = PrunerConfig.parse("grid:keep_ratio=0.25").spec();
    assertThat(plugin.getTypedParamsCase())
        .isEqualTo(PrunerSpec.TypedParamsCase.TYPEDPARAMS_NOT_SET);
    assertThat(plugin.getParamsMap()).isEqualTo(Map.of("keep_ratio", "0.25"));
    PrunerSpec unknown = PrunerConfig.parse("fastv:keep_ratio=0.5:extra=x").spec();
    assertThat(unknown.getFastv().getKeepRatio()).isEqualTo(0.5);
    assertThat(unknown.getParamsMap()).isEqualTo(Map.of("extra", "x"));
  }

  @Test
  void listSplitsOnCommasButKeepsIntegerLists() {
    List<PrunerConfig> configs =
        PrunerConfig.parseList("none, pdrop:stage_layers=1,3,5:lambda=0.5,altp:keep_ratio=0.1");
    assertThat(configs)
        .extracting(PrunerConfig::label)
        .containsExactly("none", "pdrop:stage_layers=1,3,5:lambda=0.5", "altp:keep_ratio=0.1");
    PrunerSpec pdrop = configs.get(1).spec();
    assertThat(pdrop.getPdrop().getStageLayersList()).containsExactly(1, 3, 5);
    assertThat(pdrop.getPdrop().getLambda()).isEqualTo(0.5);
  }

  @Test
  void defaultListParses() {
    assertThat(PrunerConfig.parseList("none,altp:keep_ratio=0.1"))
        .extracting(PrunerConfig::name)
        .containsExactly("none", "altp");
  }

  @Test
  void rejectsMalformedConfigurations() {
    assertThatThrownBy(() -> PrunerConfig.parseList("none,,altp"))
        .hasMessageContaining("no pruner name");
    assertThatThrownBy(() -> PrunerConfig.parse("altp:keep_ratio"))
        .hasMessageContaining("not key=value");
    assertThatThrownBy(() -> PrunerConfig.parse("altp:keep_ratio=lots"))
        .hasMessageContaining("keep_ratio='lots'")
        .hasMessageContaining("double");
    assertThatThrownBy(() -> PrunerConfig.parse("altp:k=1:k=2")).hasMessageContaining("twice");
    assertThatThrownBy(() -> PrunerConfig.parseList("none,none")).hasMessageContaining("twice");
  }
}
