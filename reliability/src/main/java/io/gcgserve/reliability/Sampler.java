package io.gcgserve.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** Samples one figure periodically on a scheduler; a sample that throws is skipped. */
final class Sampler {

  /** A figure to sample. */
  interface Source {
    double sample() throws Exception;
  }

  private final List<Double> values = new ArrayList<>();
  private @Nullable ScheduledFuture<?> task;

  private Sampler() {}

  static Sampler start(ScheduledExecutorService scheduler, Duration every, Source source) {
    Sampler sampler = new Sampler();
    sampler.task =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                double value = source.sample();
                synchronized (sampler) {
                  sampler.values.add(value);
                }
              } catch (Exception e) {
                // a scrape that failed (the server busy or gone): skip this sample
              }
            },
            0,
            every.toMillis(),
            TimeUnit.MILLISECONDS);
    return sampler;
  }

  void stop() {
    if (task != null) {
      task.cancel(false);
    }
  }

  synchronized double max() {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  synchronized int count() {
    return values.size();
  }
}
