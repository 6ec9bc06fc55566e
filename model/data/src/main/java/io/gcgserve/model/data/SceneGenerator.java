package io.gcgserve.model.data;

import io.gcgserve.model.BinaryMask;
import io.gcgserve.pruners.ImageRgb;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Renders synthetic grounded scenes, deterministic from (seed, split, index).
 *
 * <p>A scene is one background filling the image, or a top (sky, wall) above a ground (grass,
 * floor, water) split by a wavy horizon; then 1-8 objects (8 shapes, 8 colours, 4 textures) whose
 * areas lie between 1% and 40% of the image, drawn as {@code 1% * 40^(u^1.6)} for a uniform u (a
 * log scale skewed to the small end, median about 3.4%), so small objects are common; the size word
 * is from the visible area (tiny below 2%, small below 8%, big otherwise). Later objects occlude
 * earlier ones; each mask holds the visible pixels only, and an object left with too little visible
 * area is dropped. Phrases are unique within a scene (an object whose phrase repeats an earlier one
 * is dropped) so that every phrase names one region and the GranDf {@code groundings} object, keyed
 * by phrase text, holds every phrase. The caption lists objects in reading order (by the
 * quarter-image row band of their centre, then left to right), then the backgrounds: the ground
 * before the top (e.g. {@code on the grass under the sky}).
 *
 * <p>Determinism: every value that reaches a pixel goes through {@link StrictMath} or integer
 * arithmetic, so a scene is byte-identical on every JVM and platform, not only from run to run.
 */
public final class SceneGenerator {

  private static final double MIN_AREA_FRACTION = 0.01;
  private static final double MAX_AREA_FRACTION = 0.40;
  private static final double MIN_VISIBLE_FRACTION = 0.5;

  /** Image side of the bundled model's input, the default scene size. */
  public static final int DEFAULT_SIZE = 336;

  private final long seed;
  private final int size;

  // background texture sines, per row and per column, computed once per image size
  private final double[] floorRowSin;
  private final double[] floorRowCos;
  private final double[] floorColumnSin;
  private final double[] floorColumnCos;
  private final double[] waterRowSin;
  private final double[] waterRowCos;
  private final double[] waterColumnSin;
  private final double[] waterColumnCos;

  /** A generator of {@link #DEFAULT_SIZE}-pixel scenes. */
  public SceneGenerator(long seed) {
    this(seed, DEFAULT_SIZE);
  }

  /**
   * Creates a generator.
   *
   * @param seed base seed; each split derives its own stream from it
   * @param size image side in pixels (the model's input size, 336 for the bundled model)
   */
  public SceneGenerator(long seed, int size) {
    if (size < 32) {
      throw new IllegalArgumentException("scene size must be at least 32 pixels, got " + size);
    }
    this.seed = seed;
    this.size = size;
    floorRowSin = new double[size];
    floorRowCos = new double[size];
    floorColumnSin = new double[size];
    floorColumnCos = new double[size];
    waterRowSin = new double[size];
    waterRowCos = new double[size];
    waterColumnSin = new double[size];
    waterColumnCos = new double[size];
    for (int i = 0; i < size; i++) {
      floorRowSin[i] = StrictMath.sin(i * 0.3);
      floorRowCos[i] = StrictMath.cos(i * 0.3);
      floorColumnSin[i] = StrictMath.sin(i);
      floorColumnCos[i] = StrictMath.cos(i);
      waterRowSin[i] = StrictMath.sin(i * 0.35);
      waterRowCos[i] = StrictMath.cos(i * 0.35);
      double column = StrictMath.sin(i * 0.05) * 3;
      waterColumnSin[i] = StrictMath.sin(column);
      waterColumnCos[i] = StrictMath.cos(column);
    }
  }

  /** Image side in pixels. */
  public int size() {
    return size;
  }

  /** The scene at {@code index} of {@code split}; the same arguments always give the same scene. */
  public Scene generate(Split split, long index) {
    SplittableRandom random = new SplittableRandom(mix(mix(seed, split.ordinal() + 1L), index));
    return new Render(random).scene();
  }

  static long mix(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A placed object before occlusion. */
  private record Placed(
      int shape,
      int color,
      int texture,
      double centerX,
      double centerY,
      double radius,
      double angle) {}

  /**
   * A placed object rasterised once: the pixels of its whole shape inside its clipped bounding box,
   * reused by every occlusion pass.
   */
  private final class Raster {
    final Placed object;
    final int left;
    final int top;
    final int right;
    final int bottom;
    final boolean[] inside;
    final int fullArea;

    Raster(Placed object) {
      this.object = object;
      // rotated shapes reach at most sqrt(2) radii from the centre, upright ones one radius
      double extent = object.radius() * (object.angle() == 0 ? 1.0 : 1.415) + 1;
      left = Math.max(0, (int) Math.floor(object.centerX() - extent));
      top = Math.max(0, (int) Math.floor(object.centerY() - extent));
      right = Math.min(size - 1, (int) Math.ceil(object.centerX() + extent));
      bottom = Math.min(size - 1, (int) Math.ceil(object.centerY() + extent));
      int boxWidth = Math.max(0, right - left + 1);
      int boxHeight = Math.max(0, bottom - top + 1);
      inside = new boolean[boxWidth * boxHeight];
      double cos = StrictMath.cos(object.angle());
      double sin = StrictMath.sin(object.angle());
      int area = 0;
      for (int y = top; y <= bottom; y++) {
        for (int x = left; x <= right; x++) {
          if (SceneGenerator.inside(object, cos, sin, x, y)) {
            inside[(y - top) * boxWidth + (x - left)] = true;
            area++;
          }
        }
      }
      fullArea = area;
    }

    int boxWidth() {
      return right - left + 1;
    }
  }

  /** State of one render. */
  private final class Render {
    final SplittableRandom random;
    final int pixels = size * size;
    final int[] rgb = new int[pixels];

    /** -1 for background pixels, else the object index. */
    final int[] owner = new int[pixels];

    /** Background index of each pixel. */
    final int[] ground = new int[pixels];

    Render(SplittableRandom random) {
      this.random = random;
    }

    Scene scene() {
      int[] grounds = drawGrounds();
      List<Raster> placed = placeObjects();
      List<Candidate> visible = visibleObjects(placed);
      // reading order: row bands of a quarter image, then left to right
      visible.sort(
          Comparator.comparingInt((Candidate c) -> (int) (c.centerY() / (size / 4.0)))
              .thenComparingDouble(Candidate::centerX));
      // occluded pixels repaint the objects; background pixels the textures
      render(placed);
      return caption(visible, backgroundMasks(grounds[0], grounds[1]));
    }

    /** Draws the two backgrounds and their wavy horizon into {@link #ground}: {top, bottom}. */
    private int[] drawGrounds() {
      int top;
      int bottom;
      double horizon;
      if (random.nextInt(4) == 0) {
        top = random.nextInt(SceneVocabulary.BACKGROUNDS.size());
        bottom = top;
        horizon = 1.0;
      } else {
        top = random.nextInt(2);
        bottom = 2 + random.nextInt(3);
        horizon = 0.3 + 0.4 * random.nextDouble();
      }
      double waveAmplitude = random.nextDouble() * 0.04 * size;
      double wavePhase = random.nextDouble() * StrictMath.PI * 2;
      for (int x = 0; x < size; x++) {
        double boundary =
            horizon * size
                + waveAmplitude * StrictMath.sin(x * 2 * StrictMath.PI / size * 2 + wavePhase);
        for (int y = 0; y < size; y++) {
          ground[y * size + x] = y < boundary ? top : bottom;
        }
      }
      return new int[] {top, bottom};
    }

    /** Draws 1-8 objects; they are painted in this order, later ones occluding earlier ones. */
    private List<Raster> placeObjects() {
      int count = 1 + random.nextInt(8);
      List<Raster> placed = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        double area =
            MIN_AREA_FRACTION
                * StrictMath.pow(
                    MAX_AREA_FRACTION / MIN_AREA_FRACTION,
                    StrictMath.pow(random.nextDouble(), 1.6));
        int shape = random.nextInt(SceneVocabulary.SHAPES.size());
        double radius = Math.sqrt(area * pixels / ScenePixels.fill(shape)) / 2;
        double centerX = radius * 0.6 + random.nextDouble() * (size - 1.2 * radius);
        double centerY = radius * 0.6 + random.nextDouble() * (size - 1.2 * radius);
        double angle = shape == 0 || shape == 3 ? 0 : random.nextDouble() * 0.6 - 0.3;
        int color = random.nextInt(SceneVocabulary.COLORS.size());
        int texture = random.nextInt(SceneVocabulary.TEXTURES.size());
        placed.add(new Raster(new Placed(shape, color, texture, centerX, centerY, radius, angle)));
      }
      return placed;
    }

    /**
     * The visible mask and phrase of each object. An object mostly hidden, or whose phrase repeats
     * another, is removed from {@code placed} and the rest repainted, so that every visible object
     * is captioned.
     */
    private List<Candidate> visibleObjects(List<Raster> placed) {
      while (true) {
        Arrays.fill(owner, -1);
        for (int i = 0; i < placed.size(); i++) {
          paint(placed.get(i), i);
        }
        List<Candidate> visible = new ArrayList<>();
        Set<String> phrases = new HashSet<>();
        int drop = -1;
        for (int i = 0; i < placed.size() && drop < 0; i++) {
          Raster raster = placed.get(i);
          BitSet mask = new BitSet(pixels);
          for (int y = raster.top; y <= raster.bottom; y++) {
            for (int x = raster.left; x <= raster.right; x++) {
              if (owner[y * size + x] == i) {
                mask.set(y * size + x);
              }
            }
          }
          int area = mask.cardinality();
          String phrase = phrase(raster.object, area);
          if (area < MIN_VISIBLE_FRACTION * raster.fullArea
              || area < 0.004 * pixels
              || !phrases.add(phrase)) {
            drop = i;
          } else {
            visible.add(
                new Candidate(phrase, mask, raster.object.centerX(), raster.object.centerY()));
          }
        }
        if (drop < 0) {
          return visible;
        }
        placed.remove(drop);
      }
    }

    /** The uncovered pixels of each background, the lower one first. */
    private List<Candidate> backgroundMasks(int top, int bottom) {
      List<Candidate> backgrounds = new ArrayList<>();
      for (int b : top == bottom ? new int[] {top} : new int[] {bottom, top}) {
        BitSet mask = new BitSet(pixels);
        for (int p = 0; p < pixels; p++) {
          if (owner[p] < 0 && ground[p] == b) {
            mask.set(p);
          }
        }
        if (mask.cardinality() > 0) {
          backgrounds.add(new Candidate(SceneVocabulary.BACKGROUNDS.get(b), mask, 0, 0));
        }
      }
      return backgrounds;
    }

    private String phrase(Placed object, int visibleArea) {
      double fraction = (double) visibleArea / pixels;
      String sizeWord = fraction < 0.02 ? "tiny" : fraction < 0.08 ? "small" : "big";
      StringBuilder phrase = new StringBuilder(sizeWord);
      phrase.append(' ').append(SceneVocabulary.COLORS.get(object.color()));
      if (object.texture() > 0) {
        phrase.append(' ').append(SceneVocabulary.TEXTURES.get(object.texture()));
      }
      phrase.append(' ').append(SceneVocabulary.SHAPES.get(object.shape()));
      return phrase.toString();
    }

    private Scene caption(List<Candidate> objects, List<Candidate> backgrounds) {
      CaptionBuilder caption = new CaptionBuilder();
      int template = random.nextInt(3);
      switch (template) {
        case 0 -> caption.words(objects.size() == 1 ? "there is" : "there are");
        case 1 -> caption.words("the image shows");
        default -> caption.words("we can see");
      }
      for (int i = 0; i < objects.size(); i++) {
        if (i > 0) {
          caption.words(i == objects.size() - 1 ? "and" : ",");
        }
        caption.words("a");
        caption.phrase(objects.get(i));
      }
      if (!backgrounds.isEmpty()) {
        caption.words(template == 1 ? "in front of the" : "on the");
        caption.phrase(backgrounds.get(0));
        if (backgrounds.size() > 1) {
          caption.words(backgrounds.get(1).phrase().equals("sky") ? "under the" : "below the");
          caption.phrase(backgrounds.get(1));
        }
      }
      caption.words(".");
      return caption.build(new ImageRgb(size, size, rgb.clone()));
    }

    private void paint(Raster raster, int index) {
      int boxWidth = raster.boxWidth();
      for (int y = raster.top; y <= raster.bottom; y++) {
        int row = (y - raster.top) * boxWidth - raster.left;
        for (int x = raster.left; x <= raster.right; x++) {
          if (raster.inside[row + x]) {
            owner[y * size + x] = index;
          }
        }
      }
    }

    private void render(List<Raster> placed) {
      long textureSeed = random.nextLong();
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          int p = y * size + x;
          int color =
              owner[p] >= 0
                  ? objectColor(placed.get(owner[p]).object, x, y)
                  : backgroundColor(ground[p], x, y, textureSeed);
          rgb[p] = color;
        }
      }
    }

    private int objectColor(Placed object, int x, int y) {
      int base = SceneVocabulary.COLOR_VALUES[object.color()];
      int accent = object.color() == 6 ? 0x8a8a8a : 0xf4f4f4;
      int period = Math.max(4, (int) (object.radius() / 3));
      return switch (object.texture()) {
        case 1 -> ((x + y) / Math.max(2, period / 2)) % 2 == 0 ? base : accent;
        case 2 -> {
          int dx = Math.floorMod(x, period) - period / 2;
          int dy = Math.floorMod(y, period) - period / 2;
          yield dx * dx + dy * dy <= (period * period) / 10 ? accent : base;
        }
        case 3 -> ((x / period) + (y / period)) % 2 == 0 ? base : ScenePixels.darken(base);
        default -> base;
      };
    }

    private int backgroundColor(int background, int x, int y, long textureSeed) {
      return switch (background) {
        case 0 ->
            ScenePixels.shade(
                0x87c5f0, 1.0 - 0.25 * y / size + 0.05 * ScenePixels.hashNoise(x, y, textureSeed));
        case 1 -> {
          boolean mortar = y % 24 < 2 || (x + ((y / 24) % 2) * 24) % 48 < 2;
          yield mortar
              ? 0xb9ab98
              : ScenePixels.shade(0xe6d5b8, 0.95 + 0.08 * ScenePixels.hashNoise(x, y, textureSeed));
        }
        case 2 ->
            ScenePixels.shade(0x4f9a3a, 0.8 + 0.35 * ScenePixels.hashNoise(x, y, textureSeed));
        case 3 -> {
          boolean seam = x % 40 < 2;
          // sin(0.3 y + x), expanded so that the sines come from per-row and per-column tables
          double grain = floorRowSin[y] * floorColumnCos[x] + floorRowCos[y] * floorColumnSin[x];
          yield seam
              ? 0x5a3b22
              : ScenePixels.shade(
                  0x9c6b3f, 0.9 + 0.15 * grain * ScenePixels.hashNoise(x, y, textureSeed));
        }
        default -> {
          // sin(0.35 y + 3 sin(0.05 x)), expanded the same way
          double wave = waterRowSin[y] * waterColumnCos[x] + waterRowCos[y] * waterColumnSin[x];
          yield ScenePixels.shade(
              0x2f6fa8, 0.9 + 0.12 * wave + 0.04 * ScenePixels.hashNoise(x, y, textureSeed));
        }
      };
    }
  }

  /** A region about to be captioned. */
  private record Candidate(String phrase, BitSet mask, double centerX, double centerY) {}

  /** Builds the marked and plain captions together so that phrase offsets agree. */
  private final class CaptionBuilder {
    final List<String> marked = new ArrayList<>();
    final StringBuilder plain = new StringBuilder();
    final List<Grounding> groundings = new ArrayList<>();

    void words(String words) {
      for (String word : words.split(" ")) {
        marked.add(word);
        appendPlain(word);
      }
    }

    void phrase(Candidate candidate) {
      marked.add("<p>");
      int start = -1;
      for (String word : candidate.phrase().split(" ")) {
        marked.add(word);
        int at = appendPlain(word);
        if (start < 0) {
          start = at;
        }
      }
      marked.add("</p>");
      marked.add("[SEG]");
      groundings.add(
          new Grounding(
              candidate.phrase(),
              start,
              plain.length(),
              new BinaryMask(size, size, candidate.mask(), 1f)));
    }

    private int appendPlain(String word) {
      if (plain.length() > 0) {
        plain.append(' ');
      }
      int at = plain.length();
      plain.append(word);
      return at;
    }

    Scene build(ImageRgb image) {
      return new Scene(image, String.join(" ", marked), plain.toString(), List.copyOf(groundings));
    }
  }

  /** Fraction of its bounding square that a shape fills, for sizing by area. */

  /** Point-in-object test: the pixel centre in the object's rotated frame, then its shape. */
  private static boolean inside(Placed object, double cos, double sin, int x, int y) {
    double dx = (x + 0.5 - object.centerX()) / object.radius();
    double dy = (y + 0.5 - object.centerY()) / object.radius();
    double u = dx * cos + dy * sin;
    double v = -dx * sin + dy * cos;
    return ScenePixels.insideShape(object.shape(), u, v);
  }
}
