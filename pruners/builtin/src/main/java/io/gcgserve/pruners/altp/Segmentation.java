package io.gcgserve.pruners.altp;

import java.util.Arrays;

/**
 * Superpixels of one image and the region each visual token belongs to. Labels live on a grid tied
 * to the token grid ({@code pixelsPerToken} pixels per token side), not at the image's resolution;
 * {@link #regionAtImagePixel} maps an image pixel to its region by nearest sampling, which is also
 * how the visualiser draws borders.
 *
 * @param width label grid width, {@code gridWidth * pixelsPerToken}
 * @param height label grid height, {@code gridHeight * pixelsPerToken}
 * @param labels row-major region ids in {@code [0, regionCount)}
 * @param regionCount number of distinct regions
 * @param imageWidth width of the image that was segmented
 * @param imageHeight height of the image that was segmented
 * @param gridHeight visual token rows
 * @param gridWidth visual token columns
 * @param tokenRegions region of each visual token (by majority coverage of its patch), indexed by
 *     grid index {@code row * gridWidth + column}
 */
public record Segmentation(
    int width,
    int height,
    int[] labels,
    int regionCount,
    int imageWidth,
    int imageHeight,
    int gridHeight,
    int gridWidth,
    int[] tokenRegions) {

  /** Validates sizes and label ranges. */
  public Segmentation {
    if (labels.length != width * height) {
      throw new IllegalArgumentException(
          "expected " + (width * height) + " labels, got " + labels.length);
    }
    if (tokenRegions.length != gridHeight * gridWidth) {
      throw new IllegalArgumentException(
          "expected " + (gridHeight * gridWidth) + " token regions, got " + tokenRegions.length);
    }
    for (int label : labels) {
      if (label < 0 || label >= regionCount) {
        throw new IllegalArgumentException("label " + label + " outside [0, " + regionCount + ")");
      }
    }
    labels = labels.clone();
    tokenRegions = tokenRegions.clone();
  }

  /**
   * Builds a segmentation from labels alone, assigning each token to the label covering most of its
   * patch (ties: the smaller label). Used by the segmenter and by tests with hand-made regions.
   */
  public static Segmentation fromLabels(
      int width,
      int height,
      int[] labels,
      int imageWidth,
      int imageHeight,
      int gridHeight,
      int gridWidth) {
    int regionCount = 0;
    for (int label : labels) {
      regionCount = Math.max(regionCount, label + 1);
    }
    int[] tokenRegions = new int[gridHeight * gridWidth];
    int[] votes = new int[regionCount];
    for (int row = 0; row < gridHeight; row++) {
      int y0 = row * height / gridHeight;
      int y1 = Math.max(y0 + 1, (row + 1) * height / gridHeight);
      for (int column = 0; column < gridWidth; column++) {
        int x0 = column * width / gridWidth;
        int x1 = Math.max(x0 + 1, (column + 1) * width / gridWidth);
        Arrays.fill(votes, 0);
        for (int y = y0; y < Math.min(y1, height); y++) {
          for (int x = x0; x < Math.min(x1, width); x++) {
            votes[labels[y * width + x]]++;
          }
        }
        int best = 0;
        for (int label = 1; label < regionCount; label++) {
          if (votes[label] > votes[best]) {
            best = label;
          }
        }
        tokenRegions[row * gridWidth + column] = best;
      }
    }
    return new Segmentation(
        width,
        height,
        labels,
        regionCount,
        imageWidth,
        imageHeight,
        gridHeight,
        gridWidth,
        tokenRegions);
  }

  /** Region of the image pixel at column {@code x}, row {@code y} (nearest label). */
  public int regionAtImagePixel(int x, int y) {
    int labelX = Math.min(width - 1, (int) ((long) x * width / imageWidth));
    int labelY = Math.min(height - 1, (int) ((long) y * height / imageHeight));
    return labels[labelY * width + labelX];
  }

  /** Region of the visual token with grid index {@code token}. */
  public int regionOfToken(int token) {
    return tokenRegions[token];
  }

  /** Region labels at image resolution, row-major; for drawing and boundary comparisons. */
  public int[] imageLabels() {
    int[] out = new int[imageWidth * imageHeight];
    for (int y = 0; y < imageHeight; y++) {
      for (int x = 0; x < imageWidth; x++) {
        out[y * imageWidth + x] = regionAtImagePixel(x, y);
      }
    }
    return out;
  }

  @Override
  public int[] labels() {
    return labels.clone();
  }

  @Override
  public int[] tokenRegions() {
    return tokenRegions.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Segmentation that
        && width == that.width
        && height == that.height
        && imageWidth == that.imageWidth
        && imageHeight == that.imageHeight
        && gridHeight == that.gridHeight
        && gridWidth == that.gridWidth
        && Arrays.equals(labels, that.labels);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(labels) + width * 7 + height;
  }

  @Override
  public String toString() {
    return "Segmentation["
        + width
        + "x"
        + height
        + ", regions="
        + regionCount
        + ", image="
        + imageWidth
        + "x"
        + imageHeight
        + "]";
  }
}
