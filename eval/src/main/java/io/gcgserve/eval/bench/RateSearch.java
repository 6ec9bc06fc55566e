package io.gcgserve.eval.bench;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * The arrival rates {@code gcg-bench budgets} runs unpruned serving at, one at a time, each chosen
 * from how the ones before fared: rising by a factor until a rate misses the budget for at least
 * half its requests, then bisecting (geometric mean) between the lowest such rate and the highest
 * below it that missed for less, so that the rate compared lies close to where unpruned serving
 * starts to miss for half. Or exactly the rates given. Not thread-safe.
 */
@NullMarked
final class RateSearch {

  /** The miss share at and above which a rate counts as missing for half. */
  static final double HALF = 0.5;

  private final List<Double> fixed;
  private final double factor;
  private final int maxRising;
  private int refinesLeft;
  private final List<Double> tried = new ArrayList<>();
  private double below = Double.NaN;
  private double atOrAbove = Double.NaN;
  private double pending;
  private boolean waiting;

  private RateSearch(List<Double> fixed, double start, double factor, int maxRising, int refine) {
    this.fixed = List.copyOf(fixed);
    this.factor = factor;
    this.maxRising = maxRising;
    this.refinesLeft = refine;
    this.pending = start;
  }

  /**
   * From {@code start} up by {@code factor} (at most {@code maxRising} rates) until one misses for
   * half, then {@code refine} bisection steps.
   */
  static RateSearch rising(double start, double factor, int maxRising, int refine) {
    if (!(start > 0) || !(factor > 1) || maxRising < 1 || refine < 0) {
      throw new IllegalArgumentException(
          "need start > 0, factor > 1, maxRising >= 1, refine >= 0; got "
              + start
              + ", "
              + factor
              + ", "
              + maxRising
              + ", "
              + refine);
    }
    return new RateSearch(List.of(), start, factor, maxRising, refine);
  }

  /** Exactly {@code rates}, in order, whatever they miss. */
  static RateSearch fixed(List<Double> rates) {
    if (rates.isEmpty()) {
      throw new IllegalArgumentException("no rates");
    }
    return new RateSearch(rates, rates.get(0), 2, rates.size(), 0);
  }

  /**
   * The next rate to run, or null when the search is over.
   *
   * @throws IllegalStateException when the last rate's outcome was not observed
   */
  @Nullable Double next() {
    if (waiting) {
      throw new IllegalStateException("observe the miss share of " + pending + "/s first");
    }
    Double rate = choose();
    if (rate != null) {
      pending = rate;
      waiting = true;
    }
    return rate;
  }

  /** The share of requests that missed the budget at the rate {@link #next} gave. */
  void observe(double missShare) {
    if (!waiting) {
      throw new IllegalStateException("no rate is running");
    }
    waiting = false;
    tried.add(pending);
    if (missShare >= HALF) {
      atOrAbove = Double.isNaN(atOrAbove) ? pending : Math.min(atOrAbove, pending);
    } else if (Double.isNaN(atOrAbove) || pending < atOrAbove) {
      below = Double.isNaN(below) ? pending : Math.max(below, pending);
    }
  }

  /** The rates run so far, in order. */
  List<Double> tried() {
    return List.copyOf(tried);
  }

  private @Nullable Double choose() {
    if (!fixed.isEmpty()) {
      return tried.size() < fixed.size() ? fixed.get(tried.size()) : null;
    }
    if (Double.isNaN(atOrAbove)) {
      return tried.size() < maxRising ? (tried.isEmpty() ? pending : pending * factor) : null;
    }
    if (refinesLeft == 0 || Double.isNaN(below)) {
      return null; // the first rate already missed for half: nothing below to bisect towards
    }
    refinesLeft--;
    return Math.sqrt(below * atOrAbove);
  }
}
