package io.gcgserve.pruners.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PrunerFactory;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * For every numeric parameter of every built-in pruner, what ListPruners advertises (the bounds,
 * whether the minimum is excluded, the "allowed" text) and what the validator accepts agree at the
 * boundaries: a bound that is advertised as included is accepted, one that is excluded is refused,
 * and the next representable value outside is refused.
 */
class AdvertisedRangesTest {

  @Test
  void everyBuiltInNumericParameterAgreesWithItsValidatorAtTheBounds() {
    int checked = 0;
    for (PrunerFactory factory : BuiltInPruners.factories()) {
      for (ParameterSpec spec : factory.parameters()) {
        if (spec.type() == ParameterSpec.Type.DOUBLE) {
          checkDouble(factory.name(), spec);
          checked++;
        } else if (spec.type() == ParameterSpec.Type.INT) {
          checkInt(factory.name(), spec);
          checked++;
        }
      }
    }
    assertThat(checked).as("numeric built-in parameters checked").isGreaterThan(8);
  }

  private static void checkDouble(String pruner, ParameterSpec spec) {
    double min = Objects.requireNonNull(spec.min(), spec.name() + " has no min");
    double max = Objects.requireNonNull(spec.max(), spec.name() + " has no max");
    String allowed = spec.allowedDescription();
    assertThat(allowed)
        .as(pruner + "." + spec.name())
        .isEqualTo("a number in " + (spec.minExclusive() ? "(" : "[") + min + ", " + max + "]");
    if (spec.minExclusive()) {
      assertThatThrownBy(() -> spec.parseDouble(pruner, Double.toString(min)))
          .as(pruner + "." + spec.name() + " at its excluded min")
          .isInstanceOf(InvalidPrunerParameterException.class)
          .hasMessageEndingWith(allowed);
      assertThat(spec.parseDouble(pruner, Double.toString(Math.nextUp(min)))).isGreaterThan(min);
    } else {
      assertThat(spec.parseDouble(pruner, Double.toString(min))).isEqualTo(min);
      assertThatThrownBy(() -> spec.parseDouble(pruner, Double.toString(Math.nextDown(min))))
          .as(pruner + "." + spec.name() + " below its min")
          .isInstanceOf(InvalidPrunerParameterException.class);
    }
    assertThat(spec.parseDouble(pruner, Double.toString(max))).isEqualTo(max);
    assertThatThrownBy(() -> spec.parseDouble(pruner, Double.toString(Math.nextUp(max))))
        .as(pruner + "." + spec.name() + " above its max")
        .isInstanceOf(InvalidPrunerParameterException.class)
        .hasMessageEndingWith(allowed);
  }

  private static void checkInt(String pruner, ParameterSpec spec) {
    long min = (long) (double) Objects.requireNonNull(spec.min());
    long max = (long) (double) Objects.requireNonNull(spec.max());
    assertThat(spec.minExclusive()).isFalse();
    assertThat(spec.allowedDescription()).isEqualTo("an integer in [" + min + ", " + max + "]");
    assertThat(spec.parseInt(pruner, Long.toString(min))).isEqualTo(min);
    assertThat(spec.parseInt(pruner, Long.toString(max))).isEqualTo(max);
    assertThatThrownBy(() -> spec.parseInt(pruner, Long.toString(min - 1)))
        .isInstanceOf(InvalidPrunerParameterException.class);
    assertThatThrownBy(() -> spec.parseInt(pruner, Long.toString(max + 1)))
        .isInstanceOf(InvalidPrunerParameterException.class);
  }

  /**
   * The factories add no hidden floor of their own: a fraction's excluded minimum is refused by the
   * factory with the advertised text, and the smallest value above it is accepted.
   */
  @Test
  void factoriesRefuseExactlyTheExcludedMinimum() {
    ModelGeometry geometry = new ModelGeometry(8, 24, 24, 64, 128);
    int checked = 0;
    for (PrunerFactory factory : BuiltInPruners.factories()) {
      for (ParameterSpec spec : factory.parameters()) {
        if (!spec.minExclusive()) {
          continue;
        }
        String min = Double.toString(Objects.requireNonNull(spec.min()));
        assertThatThrownBy(() -> factory.create(Map.of(spec.name(), min), geometry))
            .as(factory.name() + "." + spec.name())
            .isInstanceOf(InvalidPrunerParameterException.class)
            .hasMessageEndingWith(spec.allowedDescription());
        String above = Double.toString(Math.nextUp(Objects.requireNonNull(spec.min())));
        assertThatCode(() -> factory.create(Map.of(spec.name(), above), geometry))
            .as(factory.name() + "." + spec.name() + " just above its min")
            .doesNotThrowAnyException();
        checked++;
      }
    }
    // fastv, pdrop and altp keep_ratio, pdrop lambda
    assertThat(checked).isEqualTo(4);
  }
}
