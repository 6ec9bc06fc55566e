package io.gcgserve.server.budget;

import jakarta.inject.Singleton;

/**
 * The prefill work admitted and not yet done, as the cost model predicted it: every request enters
 * with its predicted service time when it is admitted and leaves when its prefill ends (or the
 * request ends without one). The engine prefills oldest first, so everything pending when a request
 * arrives is ahead of it. Thread-safe.
 */
@Singleton
public final class WorkAhead {

  private double pendingMillis;
  private int pending;

  /** Nothing pending. */
  public WorkAhead() {}

  /** One request's place in the work: leave it once. */
  public final class Ticket {
    private final double millis;
    private final double aheadMillis;
    private boolean left;

    private Ticket(double millis, double aheadMillis) {
      this.millis = millis;
      this.aheadMillis = aheadMillis;
    }

    /** The predicted work that was ahead of this request when it entered, ms. */
    public double aheadMillis() {
      return aheadMillis;
    }

    /** Its prefill ended, or it ended without one; later calls do nothing. */
    public void leave() {
      synchronized (WorkAhead.this) {
        if (left) {
          return;
        }
        left = true;
        pending--;
        // the sum of doubles drifts; snap it back when nothing is pending
        pendingMillis = pending == 0 ? 0 : Math.max(0, pendingMillis - millis);
      }
    }
  }

  /** The predicted work pending now, ms. */
  public synchronized double pendingMillis() {
    return pendingMillis;
  }

  /** Requests pending now. */
  public synchronized int pending() {
    return pending;
  }

  /** Adds a request whose prefill is predicted to take {@code predictedMillis}. */
  public synchronized Ticket enter(double predictedMillis) {
    double millis = Math.max(0, predictedMillis);
    Ticket ticket = new Ticket(millis, pendingMillis);
    pending++;
    pendingMillis += millis;
    return ticket;
  }
}
