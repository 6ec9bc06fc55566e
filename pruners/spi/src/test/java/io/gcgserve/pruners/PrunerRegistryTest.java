package io.gcgserve.pruners;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrunerRegistryTest {

  @Test
  void listsBuiltInsAndPluginsByName() {
    PrunerRegistry registry =
        new PrunerRegistry(List.of(new NoPruner()), List.of(new NamedFactory("grid")));
    assertThat(registry.names()).containsExactly("grid", "none");
    assertThat(registry.find("grid")).isInstanceOf(NamedFactory.class);
    assertThat(registry.entries())
        .extracting(PrunerRegistry.Entry::builtIn)
        .containsExactly(false, true);
  }

  @Test
  void noPluginsOnTheSpiClasspath() {
    assertThat(PrunerRegistry.withPlugins(List.of(new NoPruner())).names()).containsExactly("none");
  }

  @Test
  void duplicateNamesAreRefusedWhicheverSideTheyComeFrom() {
    assertThatThrownBy(
            () ->
                new PrunerRegistry(
                    List.of(new NamedFactory("grid")), List.of(new NamedFactory("grid"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("two pruners are named 'grid'");
    assertThatThrownBy(
            () -> new PrunerRegistry(List.of(new NoPruner()), List.of(new NamedFactory("none"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("two pruners are named 'none'");
  }

  @Test
  void namesMustBeLowercase() {
    assertThatThrownBy(() -> new PrunerRegistry(List.of(new NamedFactory("Grid")), List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("must be lowercase");
  }

  @Test
  void unknownNameListsTheKnownOnes() {
    PrunerRegistry registry = new PrunerRegistry(List.of(new NoPruner()), List.of());
    assertThatThrownBy(() -> registry.require("fastv"))
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessage("unknown pruner 'fastv'; known pruners: none");
  }

  /** A factory that differs from {@code none} only in its name. */
  private static final class NamedFactory implements PrunerFactory {
    private final String name;
    private final NoPruner delegate = new NoPruner();

    NamedFactory(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String description() {
      return "test double named " + name;
    }

    @Override
    public List<ParameterSpec> parameters() {
      return List.of();
    }

    @Override
    public TokenPruner create(java.util.Map<String, String> parameters, ModelGeometry geometry) {
      return delegate.create(parameters, geometry);
    }
  }
}
