package io.gcgserve.server.metrics;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.StatefulMetric;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;

/**
 * The serving path's Prometheus metrics, all prefixed {@code gcg_}, times in seconds.
 *
 * <p>Every per-request metric carries the {@link RequestLabels}: {@code pruner} (a registered
 * pruner name, or {@code unknown} for a request whose pruner was not found, so client typos cannot
 * grow the label set), {@code experiment} and {@code arm} (the A/B experiment and arm that chose
 * the pruner, {@code none} without one). Buckets are sized for a CPU model: first tokens from 10 ms
 * to a minute.
 */
@Singleton
public final class ServingMetrics {

  /** The {@code pruner} label value for requests naming an unregistered pruner. */
  public static final String UNKNOWN_PRUNER = "unknown";

  private final Counter requests;
  private final Histogram timeToFirstToken;
  private final Histogram interTokenLatency;
  private final Histogram requestDuration;
  private final Histogram queueWait;
  private final Histogram cancellationRelease;
  private final Counter generatedTokens;
  private final Histogram visualTokensKept;
  private final Histogram flopsRatio;
  private final Histogram prunerOverhead;
  private final Gauge inFlight;
  private final Gauge queued;
  private final Backpressure backpressure;

  /** Registers every metric with {@code registry}. */
  @Inject
  public ServingMetrics(PrometheusRegistry registry) {
    requireNonNull(registry, "registry is null");
    requests =
        Counter.builder()
            .name("gcg_requests_total")
            .help("Caption requests by pruner, A/B arm and final gRPC status code.")
            .labelNames("pruner", "experiment", "arm", "status")
            .register(registry);
    timeToFirstToken =
        perArmHistogram(
            registry,
            "gcg_time_to_first_token_seconds",
            "From admission to the first caption token sent (queue wait included).",
            new double[] {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60});
    interTokenLatency =
        perArmHistogram(
            registry,
            "gcg_inter_token_latency_seconds",
            "Time between consecutive generated tokens of one request.",
            new double[] {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5});
    requestDuration =
        perArmHistogram(
            registry,
            "gcg_request_duration_seconds",
            "From admission to the end of generation, for requests that reached a worker.",
            new double[] {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300});
    queueWait =
        Histogram.builder()
            .name("gcg_queue_wait_seconds")
            .help("Time an admitted request waited for a generation worker.")
            .classicOnly()
            .classicUpperBounds(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
            .register(registry);
    cancellationRelease =
        Histogram.builder()
            .name("gcg_cancellation_release_seconds")
            .help(
                "From a call's cancel or deadline to the engine ending its request and freeing"
                    + " its place.")
            .classicOnly()
            .classicUpperBounds(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .register(registry);
    generatedTokens =
        Counter.builder()
            .name("gcg_generated_tokens_total")
            .help("Tokens generated, end-of-sequence included.")
            .labelNames("pruner", "experiment", "arm")
            .register(registry);
    visualTokensKept =
        perArmHistogram(
            registry,
            "gcg_visual_tokens_kept",
            "Visual tokens that reached the last LLM layer, per request.",
            new double[] {8, 16, 32, 64, 96, 128, 192, 256, 384, 576, 1024, 2304});
    flopsRatio =
        perArmHistogram(
            registry,
            "gcg_flops_ratio",
            "Prefill FLOPs of the pruning schedule over the unpruned one (paper Eq. 5).",
            new double[] {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0});
    prunerOverhead =
        perArmHistogram(
            registry,
            "gcg_pruner_overhead_seconds",
            "Time spent inside the pruner's decisions during prefill (e.g. SLIC).",
            new double[] {
              0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1
            });
    inFlight =
        Gauge.builder()
            .name("gcg_requests_in_flight")
            .help("Requests in the engine's batch now (gcg_engine_running counts them too).")
            .register(registry);
    queued =
        Gauge.builder()
            .name("gcg_requests_queued")
            .help("Admitted requests waiting for a place in the engine's batch now.")
            .register(registry);
    backpressure = new Backpressure(registry);
  }

  /** A histogram labelled by pruner, experiment and arm, with classic buckets only. */
  private static Histogram perArmHistogram(
      PrometheusRegistry registry, String name, String help, double[] upperBounds) {
    return Histogram.builder()
        .name(name)
        .help(help)
        .labelNames("pruner", "experiment", "arm")
        .classicOnly()
        .classicUpperBounds(upperBounds)
        .register(registry);
  }

  /** Counts one finished request with its final status code name, e.g. {@code OK}. */
  public void requestFinished(RequestLabels labels, String statusCode) {
    requests.labelValues(labels.pruner(), labels.experiment(), labels.arm(), statusCode).inc();
  }

  /** Records the time to the first token. */
  public void timeToFirstToken(RequestLabels labels, double seconds) {
    timeToFirstToken
        .labelValues(labels.pruner(), labels.experiment(), labels.arm())
        .observe(seconds);
  }

  /** Records the gap between two consecutive tokens. */
  public void interTokenLatency(RequestLabels labels, double seconds) {
    interTokenLatency
        .labelValues(labels.pruner(), labels.experiment(), labels.arm())
        .observe(seconds);
  }

  /** Records a request's duration from admission to the end of generation. */
  public void requestDuration(RequestLabels labels, double seconds) {
    requestDuration
        .labelValues(labels.pruner(), labels.experiment(), labels.arm())
        .observe(seconds);
  }

  /** Records how long a request waited for a worker. */
  public void queueWait(double seconds) {
    queueWait.observe(seconds);
  }

  /** Records how long a cancelled call's request held its place after the cancel. */
  public void cancellationReleased(double seconds) {
    cancellationRelease.observe(seconds);
  }

  /** Counts one pause of a request's generation for a client that is not reading. */
  public void backpressurePaused() {
    backpressure.pauses.inc();
  }

  /** Adds the length of one such pause. */
  public void backpressureResumed(double seconds) {
    backpressure.seconds.inc(seconds);
  }

  /** The counters of requests held out of decode steps for a client that is not reading. */
  private static final class Backpressure {
    private final Counter pauses;
    private final Counter seconds;

    Backpressure(PrometheusRegistry registry) {
      pauses =
          Counter.builder()
              .name("gcg_stream_backpressure_pauses_total")
              .help(
                  "Times a request was left out of decode steps because --stream-buffer events"
                      + " waited for a client that was not reading.")
              .register(registry);
      seconds =
          Counter.builder()
              .name("gcg_stream_backpressure_seconds_total")
              .help(
                  "Time requests spent left out of decode steps for a client that was not"
                      + " reading.")
              .register(registry);
    }
  }

  /** Adds generated tokens. */
  public void generatedTokens(RequestLabels labels, int tokens) {
    generatedTokens.labelValues(labels.pruner(), labels.experiment(), labels.arm()).inc(tokens);
  }

  /** Records what prefill did: tokens kept, FLOPs ratio, pruner time. */
  public void prefill(
      RequestLabels labels, int visualTokensKept, double flopsRatio, double prunerSeconds) {
    this.visualTokensKept
        .labelValues(labels.pruner(), labels.experiment(), labels.arm())
        .observe(visualTokensKept);
    this.flopsRatio
        .labelValues(labels.pruner(), labels.experiment(), labels.arm())
        .observe(flopsRatio);
    this.prunerOverhead
        .labelValues(labels.pruner(), labels.experiment(), labels.arm())
        .observe(prunerSeconds);
  }

  /**
   * Drops the label series of experiments and arms no longer in force, so reloads cannot grow the
   * label sets; series without an experiment stay.
   *
   * @param inForce experiment name → its arm names
   */
  public void retainExperiments(Map<String, List<String>> inForce) {
    for (StatefulMetric<?, ?> metric :
        List.of(
            requests,
            timeToFirstToken,
            interTokenLatency,
            requestDuration,
            generatedTokens,
            visualTokensKept,
            flopsRatio,
            prunerOverhead)) {
      metric.removeIf(
          values -> {
            String experiment = values.get(1);
            if (RequestLabels.NONE.equals(experiment)) {
              return false;
            }
            List<String> arms = inForce.get(experiment);
            return arms == null || !arms.contains(values.get(2));
          });
    }
  }

  /** A request was admitted to the queue. */
  public void enqueued() {
    queued.inc();
  }

  /** A request left the queue without running (cancelled while waiting). */
  public void dequeuedWithoutRunning() {
    queued.dec();
  }

  /** A request left the queue for the engine's batch. */
  public void started() {
    queued.dec();
    inFlight.inc();
  }

  /** A request left the engine's batch. */
  public void finished() {
    inFlight.dec();
  }

  /** Requests in the engine's batch now. */
  public double inFlight() {
    return inFlight.get();
  }

  /** Requests waiting for a place in the engine's batch now. */
  public double queued() {
    return queued.get();
  }
}
