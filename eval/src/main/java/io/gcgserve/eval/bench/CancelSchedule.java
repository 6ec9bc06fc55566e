package io.gcgserve.eval.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.NullMarked;

/**
 * The plan of the cancellation probe: for each probe request, how it ends (a gRPC deadline, or the
 * client cancelling the call) and after how many milliseconds, drawn uniformly from a range. Even
 * probes end by deadline, odd ones by a client cancel, so both kinds see the same load. The same
 * seed, count and range always give the same plan.
 */
@NullMarked
final class CancelSchedule {

  /** How a probe request is ended. */
  enum Mode {
    /** The call carries a gRPC deadline of the drawn time. */
    DEADLINE,
    /** The call has the bench's long deadline and the client cancels it at the drawn time. */
    CLIENT_CANCEL;

    /** Lower-case name for reports. */
    String label() {
      return this == DEADLINE ? "deadline" : "client-cancel";
    }
  }

  /**
   * An inclusive range of milliseconds.
   *
   * @param lowMillis smallest value, at least 1
   * @param highMillis largest value, at least {@code lowMillis}
   */
  record Range(long lowMillis, long highMillis) {
    Range {
      if (lowMillis < 1 || highMillis < lowMillis) {
        throw new IllegalArgumentException(
            "the range must be LOW..HIGH with 1 <= LOW <= HIGH, got "
                + lowMillis
                + ".."
                + highMillis);
      }
    }

    /** Parses {@code LOW..HIGH} (e.g. {@code 20..400}); a single value means LOW = HIGH. */
    static Range parse(String text) {
      String trimmed = text.strip();
      int dots = trimmed.indexOf("..");
      try {
        if (dots < 0) {
          long value = Long.parseLong(trimmed);
          return new Range(value, value);
        }
        return new Range(
            Long.parseLong(trimmed.substring(0, dots).strip()),
            Long.parseLong(trimmed.substring(dots + 2).strip()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "the range must be LOW..HIGH in milliseconds, got '" + text + "'", e);
      }
    }

    @Override
    public String toString() {
      return lowMillis + ".." + highMillis;
    }
  }

  /**
   * One planned probe.
   *
   * @param index position in the plan, from 0
   * @param mode how it ends
   * @param millis the drawn time from sending to the deadline or the cancel
   */
  record Probe(int index, Mode mode, long millis) {}

  private CancelSchedule() {}

  /**
   * {@code count} probes, alternating deadline and client cancel, times drawn from {@code range}.
   */
  static List<Probe> plan(long seed, int count, Range range) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<Probe> probes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long millis = random.nextLong(range.lowMillis(), range.highMillis() + 1);
      probes.add(new Probe(i, i % 2 == 0 ? Mode.DEADLINE : Mode.CLIENT_CANCEL, millis));
    }
    return probes;
  }
}
