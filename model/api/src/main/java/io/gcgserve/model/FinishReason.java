package io.gcgserve.model;

/** Why generation stopped. */
public enum FinishReason {
  /** The model produced its end-of-sequence token. */
  END_OF_SEQUENCE,
  /** {@code max_new_tokens} was reached. */
  MAX_TOKENS,
  /** The cancellation flag was set (client cancel or deadline). */
  CANCELLED
}
