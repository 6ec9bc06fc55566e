package io.gcgserve.model;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where the time of generation goes, summed in nanoseconds per {@link Phase}: a sink that sessions
 * and batched decode steps add to, and that a server exports as counters. Thread-safe.
 */
public final class StepTimings {

  /** A part of the work of generation. */
  public enum Phase {
    /** Encoders and LLM prefill layers, pruner work included. */
    PREFILL("prefill"),
    /** One decode step's LLM: embedding, layers with the KV cache, final norm and output head. */
    LLM_STEP("llm_step"),
    /** Decoding the mask of a fed {@code [SEG]}. */
    MASK_DECODE("mask_decode"),
    /** The phrase glance of in-phrase tokens (its mask logits, box and feature readout). */
    GLANCE("glance"),
    /** Choosing the next token from the logits and assembling the caption. */
    SAMPLING("sampling"),
    /** Turning events into messages for the client (masks encoded); added by the server. */
    EVENT_ENCODING("event_encoding");

    private final String label;

    Phase(String label) {
      this.label = label;
    }

    /** The lower-case name used as a metric label. */
    public String label() {
      return label;
    }
  }

  private final AtomicLongArray nanos = new AtomicLongArray(Phase.values().length);

  /** Adds {@code elapsed} nanoseconds to {@code phase}. */
  public void add(Phase phase, long elapsed) {
    nanos.addAndGet(phase.ordinal(), elapsed);
  }

  /** Nanoseconds summed so far in {@code phase}. */
  public long nanos(Phase phase) {
    return nanos.get(phase.ordinal());
  }
}
