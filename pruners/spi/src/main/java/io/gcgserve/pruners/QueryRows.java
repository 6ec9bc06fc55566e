package io.gcgserve.pruners;

/** Which text positions' attention to the visual keys scores the visual tokens. */
public enum QueryRows {
  /** The last prompt token only (FastV, PDrop, ALTP). */
  LAST_PROMPT,
  /** The mean over every text token of the prompt. */
  ALL_TEXT
}
