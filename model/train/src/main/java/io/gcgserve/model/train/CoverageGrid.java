package io.gcgserve.model.train;

import io.gcgserve.model.BinaryMask;

/**
 * Downsamples a full-resolution mask to a coarse grid of coverage fractions, the soft targets of
 * the mask losses and the weights of the word losses, so that a cell half covered by an object
 * counts half rather than being rounded either way.
 */
final class CoverageGrid {

  private CoverageGrid() {}

  /**
   * Adds to {@code out[offset ..]} the area fraction of each of the {@code size x size} cells that
   * {@code mask} covers; the last row and column absorb any pixels left over by the division.
   */
  static void addCoverage(BinaryMask mask, int size, float[] out, int offset) {
    int cell = mask.width() / size;
    float area = cell * cell;
    for (int y = 0; y < mask.height(); y++) {
      int row = Math.min(y / cell, size - 1);
      for (int x = 0; x < mask.width(); x++) {
        if (mask.get(x, y)) {
          out[offset + row * size + Math.min(x / cell, size - 1)] += 1f / area;
        }
      }
    }
  }
}
