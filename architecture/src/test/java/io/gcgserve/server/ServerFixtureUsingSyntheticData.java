package io.gcgserve.server;

import io.gcgserve.model.data.Split;

/** Violates rule (d): a server class that depends on the synthetic data generator. */
public final class ServerFixtureUsingSyntheticData {

  private ServerFixtureUsingSyntheticData() {}

  /** Names a data split, which would make the server ship the generator. */
  public static String validationSplitName() {
    return Split.VAL.name();
  }
}
