package io.gcgserve.pruners;

import io.gcgserve.model.GroundedCaptioner;

/** Violates rule (b): a class in the pruner SPI that depends on the model API. */
public final class SpiFixtureUsingTheModelApi {

  private SpiFixtureUsingTheModelApi() {}

  /** Names a model type in the SPI, which a plugin could then not compile without. */
  public static String captionerName(GroundedCaptioner captioner) {
    return captioner.getClass().getName();
  }
}
