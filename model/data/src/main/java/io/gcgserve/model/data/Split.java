package io.gcgserve.model.data;

/** Dataset splits; each draws from its own seed stream, so they never share a scene. */
public enum Split {
  TRAIN,
  VAL,
  TEST
}
