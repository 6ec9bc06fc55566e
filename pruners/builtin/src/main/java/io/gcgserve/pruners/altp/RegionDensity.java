package io.gcgserve.pruners.altp;

import io.gcgserve.pruners.ImageRgb;

/**
 * The paper's Eq. 3 per region: {@code D_i = Var_i · sqrt(|R_i| / |I|)}.
 *
 * <p>{@code Var_i} is the mean over R, G and B of the per-channel variance of the region's pixels,
 * with channels scaled to [0, 1], measured on the full-resolution image (each pixel takes the label
 * of its nearest label-grid cell), so fine texture that the label grid's downsampling averages out
 * still counts as detail. {@code |R_i|/|I|} is the region's share of the image's pixels.
 *
 * @param variance {@code Var_i} per region
 * @param areaFraction {@code |R_i| / |I|} per region
 * @param density {@code D_i} per region
 */
public record RegionDensity(double[] variance, double[] areaFraction, double[] density) {

  /** Measures every region of {@code segmentation} on {@code image}. */
  public static RegionDensity measure(ImageRgb image, Segmentation segmentation) {
    int regions = segmentation.regionCount();
    long[] count = new long[regions];
    double[] sum = new double[3 * regions];
    double[] sumSquares = new double[3 * regions];
    int width = image.width();
    int height = image.height();
    int[] labelColumn = new int[width];
    for (int x = 0; x < width; x++) {
      labelColumn[x] =
          Math.min(segmentation.width() - 1, (int) ((long) x * segmentation.width() / width));
    }
    int[] labels = segmentation.labels();
    int[] pixels = image.rgb();
    for (int y = 0; y < height; y++) {
      int labelRow =
          Math.min(segmentation.height() - 1, (int) ((long) y * segmentation.height() / height))
              * segmentation.width();
      for (int x = 0; x < width; x++) {
        int region = labels[labelRow + labelColumn[x]];
        int rgb = pixels[y * width + x];
        double red = ((rgb >> 16) & 0xFF) / 255.0;
        double green = ((rgb >> 8) & 0xFF) / 255.0;
        double blue = (rgb & 0xFF) / 255.0;
        count[region]++;
        sum[3 * region] += red;
        sum[3 * region + 1] += green;
        sum[3 * region + 2] += blue;
        sumSquares[3 * region] += red * red;
        sumSquares[3 * region + 1] += green * green;
        sumSquares[3 * region + 2] += blue * blue;
      }
    }
    double total = (double) width * height;
    double[] variance = new double[regions];
    double[] areaFraction = new double[regions];
    double[] density = new double[regions];
    for (int region = 0; region < regions; region++) {
      if (count[region] == 0) {
        continue;
      }
      double channelVariance = 0;
      for (int channel = 0; channel < 3; channel++) {
        double mean = sum[3 * region + channel] / count[region];
        channelVariance +=
            Math.max(0.0, sumSquares[3 * region + channel] / count[region] - mean * mean);
      }
      variance[region] = channelVariance / 3.0;
      areaFraction[region] = count[region] / total;
      density[region] = variance[region] * Math.sqrt(areaFraction[region]);
    }
    return new RegionDensity(variance, areaFraction, density);
  }

  @Override
  public double[] variance() {
    return variance.clone();
  }

  @Override
  public double[] areaFraction() {
    return areaFraction.clone();
  }

  @Override
  public double[] density() {
    return density.clone();
  }

  /**
   * {@code D_i} with the square-root area form ({@code Var_i·sqrt(|R_i|/|I|)}, {@link #density()})
   * when {@code sqrtArea}, else with the area fraction itself ({@code Var_i·|R_i|/|I|}).
   */
  public double[] density(boolean sqrtArea) {
    if (sqrtArea) {
      return density();
    }
    double[] linear = new double[variance.length];
    for (int i = 0; i < linear.length; i++) {
      linear[i] = variance[i] * areaFraction[i];
    }
    return linear;
  }
}
