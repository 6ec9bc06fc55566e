package io.gcgserve.eval.bench;

import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PruningSnapshot;
import io.gcgserve.pruners.PruningView;
import io.gcgserve.pruners.altp.AltpPrunerFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * {@code bin/gcg-bench pruners --worst-case}: ALTP's selection time ({@code prune}, i.e. SLIC +
 * allocation + ranking, on a fresh pruner as each request gets) for the most expensive parameter
 * combinations the factory accepts, read from its {@link ParameterSpec} ranges so that the figures
 * follow the caps. {@code segment_pixels_per_token} is at its maximum (SLIC's cost grows with the
 * label pixels); {@code n_superpixels} runs over its minimum, default, maximum and the powers of
 * two between, {@code sigma} over both ends, {@code compactness} over both ends and its default,
 * with {@code temperature} at its minimum, {@code min_per_region} and {@code keep_ratio} at their
 * maximum. Each combination runs on a synthetic scene and on uniform noise (a client chooses the
 * image too).
 */
final class PrunerBenchWorstCase {

  private static final int SIDE = 336;
  private static final int GRID = 24;
  private static final int SHOWN = 8;

  private final AltpPrunerFactory factory = new AltpPrunerFactory();
  private final ModelGeometry geometry = new ModelGeometry(32, GRID, GRID, 4096, 11008);
  private final int warmup;
  private final int iterations;

  PrunerBenchWorstCase(int warmup, int iterations) {
    this.warmup = warmup;
    this.iterations = iterations;
  }

  /**
   * One combination on one image: wall-clock median and maximum, and the median CPU time of the
   * calling thread (SLIC is single-threaded; this part does not grow when other processes share the
   * cores, the wall clock does).
   */
  private record Row(
      String image, Map<String, String> parameters, double median, double max, double cpu) {}

  /** Sorted wall-clock and CPU milliseconds of the timed runs. */
  private record Sample(double[] wall, double[] cpu) {

    Row row(String image, Map<String, String> parameters) {
      return new Row(image, parameters, median(wall), wall[wall.length - 1], median(cpu));
    }
  }

  /** Times every combination and prints the slowest, the defaults and the overall worst. */
  void print() {
    Map<String, ImageRgb> images = new LinkedHashMap<>();
    images.put("scene", PrunerBenchScenes.scene(SIDE, 7).image());
    images.put("noise", noise(SIDE, 5));
    List<Map<String, String>> combinations = combinations();
    System.out.printf(
        "ALTP worst case, %dx%d image, %dx%d tokens: %d parameter combinations x %d images,"
            + " median and max of %d after %d warm-up, fresh pruner per run%n",
        SIDE, SIDE, GRID, GRID, combinations.size(), images.size(), iterations, warmup);
    // one untimed pass over everything, so the JIT has compiled every path before timing starts
    for (Map<String, String> parameters : combinations) {
      for (ImageRgb image : images.values()) {
        time(parameters, image, warmup, 1);
      }
    }

    List<Row> rows = new ArrayList<>();
    for (Map<String, String> parameters : combinations) {
      for (Map.Entry<String, ImageRgb> image : images.entrySet()) {
        rows.add(
            time(parameters, image.getValue(), warmup, iterations).row(image.getKey(), parameters));
      }
    }
    rows.sort(Comparator.comparingDouble(Row::median).reversed());
    System.out.println("median ms  max ms  cpu ms  image  parameters (slowest median first)");
    for (Row row : rows.subList(0, Math.min(SHOWN, rows.size()))) {
      printRow(row);
    }
    for (Map.Entry<String, ImageRgb> image : images.entrySet()) {
      printRow(time(Map.of(), image.getValue(), warmup, iterations).row(image.getKey(), Map.of()));
    }
    Row worst = rows.get(0);
    double slowestRun = rows.stream().mapToDouble(Row::max).max().orElse(Double.NaN);
    double mostCpu = rows.stream().mapToDouble(Row::cpu).max().orElse(Double.NaN);
    System.out.printf(
        "worst median %.2f ms (%s, %s); worst CPU median %.2f ms; slowest single run %.2f ms%n",
        worst.median(), worst.image(), worst.parameters(), mostCpu, slowestRun);
  }

  private static void printRow(Row row) {
    System.out.printf(
        "%9.2f %7.2f %7.2f  %-5s  %s%n",
        row.median(),
        row.max(),
        row.cpu(),
        row.image(),
        row.parameters().isEmpty() ? "(defaults)" : row.parameters());
  }

  private List<Map<String, String>> combinations() {
    ParameterSpec superpixels = spec("n_superpixels");
    TreeSet<Integer> counts = new TreeSet<>();
    int lowest = (int) bound(superpixels.min());
    int highest = (int) bound(superpixels.max());
    counts.add(lowest);
    counts.add(Integer.parseInt(Objects.requireNonNull(superpixels.defaultValue())));
    counts.add(highest);
    for (int count = Integer.highestOneBit(lowest) * 2; count < highest; count *= 2) {
      counts.add(count);
    }
    ParameterSpec compactness = spec("compactness");
    List<String> compactnessValues =
        List.of(
            text(bound(compactness.min())),
            Objects.requireNonNull(compactness.defaultValue()),
            text(bound(compactness.max())));
    List<Map<String, String>> combinations = new ArrayList<>();
    for (int count : counts) {
      for (String sigma : List.of(extreme("sigma", false), extreme("sigma", true))) {
        for (String compact : compactnessValues) {
          Map<String, String> parameters = new LinkedHashMap<>();
          parameters.put("segment_pixels_per_token", extreme("segment_pixels_per_token", true));
          parameters.put("n_superpixels", Integer.toString(count));
          parameters.put("sigma", sigma);
          parameters.put("compactness", compact);
          parameters.put("temperature", extreme("temperature", false));
          parameters.put("min_per_region", extreme("min_per_region", true));
          parameters.put("keep_ratio", extreme("keep_ratio", true));
          combinations.add(parameters);
        }
      }
    }
    return combinations;
  }

  private ParameterSpec spec(String name) {
    return factory.parameters().stream()
        .filter(spec -> spec.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("ALTP has no parameter " + name));
  }

  private String extreme(String name, boolean highest) {
    ParameterSpec spec = spec(name);
    return text(bound(highest ? spec.max() : spec.min()));
  }

  private static double bound(@Nullable Double value) {
    return Objects.requireNonNull(value, "numeric parameter without a bound");
  }

  private static String text(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value)
        : Double.toString(value);
  }

  /** {@code runs} timed {@code prune} calls, each on a fresh pruner. */
  private Sample time(Map<String, String> parameters, ImageRgb image, int warmups, int runs) {
    PruningView view = PruningSnapshot.allLive(1, GRID, GRID, scores(3), image);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int kept = 0;
    double[] wall = new double[runs];
    double[] cpu = new double[runs];
    for (int i = 0; i < warmups + runs; i++) {
      var pruner = factory.create(parameters, geometry);
      long startCpu = threads.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      kept += pruner.prune(view).size();
      if (i >= warmups) {
        wall[i - warmups] = (System.nanoTime() - start) / 1e6;
        cpu[i - warmups] = (threads.getCurrentThreadCpuTime() - startCpu) / 1e6;
      }
    }
    if (kept <= 0) {
      throw new IllegalStateException("ALTP kept nothing");
    }
    Arrays.sort(wall);
    Arrays.sort(cpu);
    return new Sample(wall, cpu);
  }

  private static double median(double[] sorted) {
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  private static float[] scores(long seed) {
    Random random = new Random(seed);
    float[] scores = new float[GRID * GRID];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = random.nextFloat();
    }
    return scores;
  }

  /** Uniform random pixels: texture everywhere, unlike the scene's flat areas. */
  private static ImageRgb noise(int side, long seed) {
    Random random = new Random(seed);
    int[] pixels = new int[side * side];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextInt(1 << 24);
    }
    return new ImageRgb(side, side, pixels);
  }
}
