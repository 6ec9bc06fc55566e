package io.gcgserve.pruners;

/**
 * The facts about a model that a pruner needs when it is created: layer count for stage boundaries,
 * the visual grid for budgets, dimensions for FLOPs.
 *
 * @param layers number of LLM decoder layers (T in Eq. 5)
 * @param gridHeight visual token rows
 * @param gridWidth visual token columns
 * @param hiddenSize LLM hidden size (d in Eq. 5)
 * @param intermediateSize LLM FFN size (m in Eq. 5)
 */
public record ModelGeometry(
    int layers, int gridHeight, int gridWidth, int hiddenSize, int intermediateSize) {

  /** Validates positivity. */
  public ModelGeometry {
    if (layers <= 0
        || gridHeight <= 0
        || gridWidth <= 0
        || hiddenSize <= 0
        || intermediateSize <= 0) {
      throw new IllegalArgumentException("model geometry values must be positive");
    }
  }

  /** Number of visual tokens before any pruning. */
  public int visualTokens() {
    return gridHeight * gridWidth;
  }
}
