package io.gcgserve.model.mask;

import io.gcgserve.pruners.builtin.BuiltInPruners;

/** Violates rule (c): a class in the model API that depends on the built-in pruners. */
public final class ModelApiFixtureUsingBuiltInPruners {

  private ModelApiFixtureUsingBuiltInPruners() {}

  /** Reaches into the built-in pruners, which the engine-free API must not know. */
  public static int builtInPrunerCount() {
    return BuiltInPruners.factories().size();
  }
}
