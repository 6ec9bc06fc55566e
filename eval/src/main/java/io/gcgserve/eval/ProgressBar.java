package io.gcgserve.eval;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar with rate and ETA, redrawn in place with carriage returns, at most a few
 * times per second so that logs stay small.
 */
public final class ProgressBar {

  private static final int WIDTH = 30;

  private final PrintStream out;
  private final LongSupplier nanoClock;
  private final int total;
  private final long startNanos;
  private long lastDrawNanos;
  private int done;

  /** A bar over {@code total} units of work, drawn on {@code out}. */
  public ProgressBar(PrintStream out, int total, LongSupplier nanoClock) {
    this.out = out;
    this.total = total;
    this.nanoClock = nanoClock;
    this.startNanos = nanoClock.getAsLong();
    this.lastDrawNanos = startNanos - 1_000_000_000L;
  }

  /** Marks one more unit done and redraws if due (always for the last one). */
  public void step(String label) {
    done++;
    long now = nanoClock.getAsLong();
    if (done < total && now - lastDrawNanos < 250_000_000L) {
      return;
    }
    lastDrawNanos = now;
    out.print("\r" + line(label, now));
    if (done >= total) {
      out.println();
    }
    out.flush();
  }

  /** The bar text at time {@code nowNanos}. */
  String line(String label, long nowNanos) {
    double elapsedSeconds = (nowNanos - startNanos) / 1e9;
    double fraction = total == 0 ? 1 : (double) done / total;
    int filled = (int) Math.round(fraction * WIDTH);
    double etaSeconds = done == 0 ? Double.NaN : elapsedSeconds / done * (total - done);
    return String.format(
        Locale.ROOT,
        "[%s%s] %d/%d %3.0f%% | %.2f/s | elapsed %s | ETA %s | %s   ",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        done,
        total,
        fraction * 100,
        elapsedSeconds > 0 ? done / elapsedSeconds : 0.0,
        clock(elapsedSeconds),
        Double.isNaN(etaSeconds) ? "?" : clock(etaSeconds),
        label);
  }

  private static String clock(double seconds) {
    long whole = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d:%02d", whole / 3600, (whole / 60) % 60, whole % 60);
  }
}
