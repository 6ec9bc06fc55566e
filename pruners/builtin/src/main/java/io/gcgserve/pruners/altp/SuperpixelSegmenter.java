package io.gcgserve.pruners.altp;

import boofcv.alg.filter.blur.BlurImageOps;
import boofcv.alg.segmentation.slic.SegmentSlic_PlF32;
import boofcv.factory.segmentation.ConfigSlic;
import boofcv.struct.ConnectRule;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayS32;
import boofcv.struct.image.Planar;
import io.gcgserve.pruners.ImageRgb;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * ALTP's DDC step: SLIC superpixels {@code S = SLIC(I; N, C, σ)} with BoofCV, at a resolution tied
 * to the token grid.
 *
 * <p>Choices the paper leaves open, made to match scikit-image's {@code slic} (the usual reference
 * implementation) as closely as BoofCV allows:
 *
 * <ul>
 *   <li><b>Resolution.</b> The image is area-averaged to {@code gridWidth·p × gridHeight·p} pixels
 *       ({@code p = pixelsPerToken}, default 2: 48×48 for a 24×24 grid). BoofCV's SLIC is
 *       superlinear in pixels, too slow at full resolution for a per-request step (timings in
 *       {@code pruners/README.md}); token budgets only need regions at token granularity, and
 *       {@code PrunerBench} measures the boundary recall against full-resolution SLIC.
 *   <li><b>Colour space.</b> CIELAB (sRGB, D65), as scikit-image converts RGB input by default.
 *   <li><b>Compactness.</b> scikit-image's distance is {@code d_lab² + (C/S)²·d_xy²} with {@code S
 *       = sqrt(pixels/N)}; BoofCV's is {@code d_color² + (m/S')·d_xy²} with its own integer {@code
 *       S'}, so we pass {@code m = C²/S'}. Both are scale-free, so C means the same at any
 *       resolution.
 *   <li><b>σ.</b> Given in pixels of the model's input image. Area-averaging by a factor {@code f}
 *       already blurs with variance {@code (f²-1)/12}; only the remaining {@code σ_rest² = σ² -
 *       (f²-1)/12} is applied (in label-grid pixels: {@code σ_rest/f}), if any.
 *   <li><b>N.</b> A target: BoofCV seeds a grid with spacing {@code S'} and merges regions smaller
 *       than half the mean size, so the count varies around N (as in scikit-image).
 *   <li>Labels are renumbered in raster order of first appearance, so they are deterministic.
 * </ul>
 *
 * <p>Not thread-safe: BoofCV's segmenter keeps scratch buffers; create one per request (cheap).
 */
public final class SuperpixelSegmenter {

  /** Below this residual blur (in label-grid pixels) smoothing is skipped as negligible. */
  private static final double MIN_BLUR_SIGMA = 0.3;

  private final int superpixels;
  private final double compactness;
  private final double sigmaPixels;
  private final int pixelsPerToken;

  /**
   * Creates a segmenter.
   *
   * @param superpixels target region count N
   * @param compactness C, scikit-image's scale (Lab units per grid interval)
   * @param sigmaPixels Gaussian smoothing σ in pixels of the model's input image
   * @param pixelsPerToken label-grid pixels per token side (1 = one label per token)
   */
  public SuperpixelSegmenter(
      int superpixels, double compactness, double sigmaPixels, int pixelsPerToken) {
    if (superpixels < 1 || !(compactness > 0) || !(sigmaPixels >= 0) || pixelsPerToken < 1) {
      throw new IllegalArgumentException(
          "invalid SLIC settings: N="
              + superpixels
              + ", C="
              + compactness
              + ", sigma="
              + sigmaPixels
              + ", pixelsPerToken="
              + pixelsPerToken);
    }
    this.superpixels = superpixels;
    this.compactness = compactness;
    this.sigmaPixels = sigmaPixels;
    this.pixelsPerToken = pixelsPerToken;
  }

  /** Label-grid pixels per token side. */
  public int pixelsPerToken() {
    return pixelsPerToken;
  }

  /**
   * Segments {@code image} into superpixels and assigns each visual token of a {@code gridHeight ×
   * gridWidth} grid to the region covering most of its patch.
   */
  public Segmentation segment(ImageRgb image, int gridHeight, int gridWidth) {
    return segment(image, gridHeight, gridWidth, () -> false);
  }

  /**
   * {@link #segment(ImageRgb, int, int)} that gives up when {@code cancelled} turns true: it looks
   * before each of SLIC's iterations (a few milliseconds each at the cost caps) and between the
   * steps around them.
   *
   * @throws CancellationException when {@code cancelled} answered true
   */
  public Segmentation segment(
      ImageRgb image, int gridHeight, int gridWidth, BooleanSupplier cancelled) {
    int width = gridWidth * pixelsPerToken;
    int height = gridHeight * pixelsPerToken;
    Planar<GrayF32> lab = toLab(image, width, height);

    // smooth only by what the downsampling did not already blur
    double factor = image.width() / (double) width;
    double boxVariance = Math.max(0.0, (factor * factor - 1.0) / 12.0);
    double restSigma = Math.sqrt(Math.max(0.0, sigmaPixels * sigmaPixels - boxVariance)) / factor;
    checkCancelled(cancelled);
    if (restSigma >= MIN_BLUR_SIGMA) {
      Planar<GrayF32> blurred = lab.createSameShape();
      // BoofCV picks the kernel radius from sigma when the radius is -1
      BlurImageOps.gaussian(lab, blurred, restSigma, -1, new GrayF32(width, height));
      lab = blurred;
    }

    int usable = Math.max(1, (width - 4) * (height - 4));
    int regions = Math.max(1, Math.min(superpixels, usable));
    int gridInterval = Math.max(1, (int) Math.sqrt(usable / (double) regions));
    ConfigSlic config = new ConfigSlic(regions, (float) (compactness * compactness / gridInterval));
    config.connectRule = ConnectRule.EIGHT;
    checkCancelled(cancelled);
    GrayS32 output = new GrayS32(width, height);
    new CancellableSlic(config, lab.getNumBands(), cancelled).process(lab, output);
    checkCancelled(cancelled);

    int[] labels = renumber(output);
    return Segmentation.fromLabels(
        width, height, labels, image.width(), image.height(), gridHeight, gridWidth);
  }

  private static void checkCancelled(BooleanSupplier cancelled) {
    if (cancelled.getAsBoolean()) {
      throw new CancellationException("superpixel segmentation cancelled");
    }
  }

  /**
   * BoofCV's SLIC on a planar float image (what {@code FactoryImageSegmentation.slic} builds for
   * it, with the same settings), looking at {@code cancelled} before each iteration. BoofCV's own
   * stop request needs another thread to call it; this polls the request's flag instead.
   */
  static final class CancellableSlic extends SegmentSlic_PlF32 {
    private final BooleanSupplier cancelled;

    CancellableSlic(ConfigSlic config, int bands, BooleanSupplier cancelled) {
      super(
          config.numberOfRegions,
          config.spacialWeight,
          config.totalIterations,
          config.connectRule,
          bands);
      this.cancelled = cancelled;
    }

    @Override
    protected void computeClusterDistance() {
      checkCancelled(cancelled);
      super.computeClusterDistance();
    }
  }

  private static int[] renumber(GrayS32 output) {
    int width = output.width;
    int height = output.height;
    int maxRaw = 0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        maxRaw = Math.max(maxRaw, output.get(x, y));
      }
    }
    int[] ids = new int[maxRaw + 1];
    java.util.Arrays.fill(ids, -1);
    int next = 0;
    int[] labels = new int[width * height];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int raw = output.get(x, y);
        if (ids[raw] < 0) {
          ids[raw] = next++;
        }
        labels[y * width + x] = ids[raw];
      }
    }
    return labels;
  }

  /** sRGB 8-bit value to linear light, so that downsampling averages physical intensities. */
  private static final double[] LINEAR = new double[256];

  static {
    for (int value = 0; value < 256; value++) {
      double channel = value / 255.0;
      LINEAR[value] =
          channel <= 0.04045 ? channel / 12.92 : Math.pow((channel + 0.055) / 1.055, 2.4);
    }
  }

  /**
   * Area-averages the image to {@code width × height} (in linear light) and converts it to CIELAB.
   */
  static Planar<GrayF32> toLab(ImageRgb image, int width, int height) {
    Planar<GrayF32> lab = new Planar<>(GrayF32.class, width, height, 3);
    GrayF32 lightness = lab.getBand(0);
    GrayF32 greenRed = lab.getBand(1);
    GrayF32 blueYellow = lab.getBand(2);
    float[] pixelLab = new float[3];
    for (int y = 0; y < height; y++) {
      int y0 = (int) ((long) y * image.height() / height);
      int y1 = Math.max(y0 + 1, (int) ((long) (y + 1) * image.height() / height));
      for (int x = 0; x < width; x++) {
        int x0 = (int) ((long) x * image.width() / width);
        int x1 = Math.max(x0 + 1, (int) ((long) (x + 1) * image.width() / width));
        double red = 0;
        double green = 0;
        double blue = 0;
        for (int sourceY = y0; sourceY < y1; sourceY++) {
          for (int sourceX = x0; sourceX < x1; sourceX++) {
            int rgb = image.at(sourceX, sourceY);
            red += LINEAR[(rgb >> 16) & 0xFF];
            green += LINEAR[(rgb >> 8) & 0xFF];
            blue += LINEAR[rgb & 0xFF];
          }
        }
        double count = (double) (y1 - y0) * (x1 - x0);
        linearToLab(red / count, green / count, blue / count, pixelLab);
        lightness.set(x, y, pixelLab[0]);
        greenRed.set(x, y, pixelLab[1]);
        blueYellow.set(x, y, pixelLab[2]);
      }
    }
    return lab;
  }

  /** Linear RGB in [0, 1] to CIELAB (D65 white), written into {@code out}. */
  static void linearToLab(double r, double g, double b, float[] out) {
    double x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
    double y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    double z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
    double fx = labCurve(x);
    double fy = labCurve(y);
    double fz = labCurve(z);
    out[0] = (float) (116 * fy - 16);
    out[1] = (float) (500 * (fx - fy));
    out[2] = (float) (200 * (fy - fz));
  }

  private static double labCurve(double t) {
    return t > 216.0 / 24389.0 ? Math.cbrt(t) : (24389.0 / 27.0 * t + 16) / 116.0;
  }
}
