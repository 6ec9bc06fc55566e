package io.gcgserve.eval.cli;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one {@code gcg-eval} invocation runs: how many images, which pruners at which keep ratios,
 * and the optional tables. Resolved from the flags in one place so that {@code --quick} is a preset
 * that only fills what was not given: an explicit {@code --limit}, {@code --pruners}, {@code
 * --keep-ratios}, {@code --ablation} or {@code --sensitivity} always wins over it.
 *
 * @param imageLimit the first this many images of the dataset
 * @param pruners pruners in table order
 * @param keepRatios fractions of the visual tokens kept, each in (0, 1)
 * @param ablation whether Table 3 (DDC alone vs ALTP) runs
 * @param sensitivity whether Table 4 (ALTP's N and C) runs
 */
record RunSelection(
    int imageLimit,
    List<String> pruners,
    List<Double> keepRatios,
    boolean ablation,
    boolean sensitivity) {

  /** Pruners of a full run. */
  static final List<String> DEFAULT_PRUNERS = List.of("none", "fastv", "pdrop", "altp");

  /** Keep ratios of a full run: 90, 75 and 50% reduction. */
  static final List<Double> DEFAULT_KEEP_RATIOS = List.of(0.1, 0.25, 0.5);

  /** Images of a synthetic split when {@code --limit} is not given. */
  static final int DEFAULT_SYNTHETIC_IMAGES = 500;

  /** Images of {@code --quick}. */
  static final int QUICK_IMAGES = 8;

  /** Pruners of {@code --quick}: the upper bound and the baseline. */
  static final List<String> QUICK_PRUNERS = List.of("none", "fastv");

  /** Keep ratios of {@code --quick}: the smallest of a full run, where pruning matters most. */
  static final List<Double> QUICK_KEEP_RATIOS = List.of(0.1);

  /** Copies the lists and checks the ratios and the limit. */
  RunSelection {
    pruners = List.copyOf(pruners);
    keepRatios = List.copyOf(keepRatios);
    if (imageLimit < 1) {
      throw new IllegalArgumentException("--limit must be at least 1, got " + imageLimit);
    }
    if (pruners.isEmpty() || keepRatios.isEmpty()) {
      throw new IllegalArgumentException("--pruners and --keep-ratios need at least one value");
    }
    for (double ratio : keepRatios) {
      if (!(ratio > 0 && ratio < 1)) {
        throw new IllegalArgumentException("--keep-ratios must lie in (0, 1), got " + ratio);
      }
    }
  }

  /**
   * The selection for the given flags; a null or false flag was not given.
   *
   * @param quick whether {@code --quick} was given: it fills the limit, pruners and ratios that
   *     were not given with its small preset
   * @param synthetic whether the images come from {@code --synthetic} (default limit 500) rather
   *     than {@code --data} (default: every image)
   * @throws IllegalArgumentException when a given value is out of range, naming the flag
   */
  static RunSelection resolve(
      boolean quick,
      boolean synthetic,
      @Nullable Integer limit,
      @Nullable List<String> pruners,
      @Nullable List<Double> keepRatios,
      boolean ablation,
      boolean sensitivity) {
    int defaultLimit =
        quick ? QUICK_IMAGES : (synthetic ? DEFAULT_SYNTHETIC_IMAGES : Integer.MAX_VALUE);
    return new RunSelection(
        limit != null ? limit : defaultLimit,
        Objects.requireNonNullElse(pruners, quick ? QUICK_PRUNERS : DEFAULT_PRUNERS),
        Objects.requireNonNullElse(keepRatios, quick ? QUICK_KEEP_RATIOS : DEFAULT_KEEP_RATIOS),
        ablation,
        sensitivity);
  }

  /** One line for the progress log: what runs, so a preset never changes a run silently. */
  String describe() {
    return (imageLimit == Integer.MAX_VALUE ? "all" : Integer.toString(imageLimit))
        + " image(s), pruners "
        + String.join(",", pruners)
        + ", keep ratios "
        + String.join(",", keepRatios.stream().map(String::valueOf).toList())
        + (ablation ? ", ablation" : "")
        + (sensitivity ? ", sensitivity" : "");
  }
}
