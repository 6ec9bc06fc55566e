package io.gcgserve.eval.metrics;

import java.util.List;
import java.util.Optional;

/**
 * Reads the attributes a phrase names (for the synthetic scenes: size, colour, texture, shape), so
 * that {@link AttributeAccuracy} can say which of them a model gets wrong.
 */
public interface PhraseAttributes {

  /** Attribute names, in the order {@link #parse} returns values. */
  List<String> names();

  /** The attribute values of {@code phrase}; empty when the phrase is not of the schema's form. */
  Optional<List<String>> parse(String phrase);
}
