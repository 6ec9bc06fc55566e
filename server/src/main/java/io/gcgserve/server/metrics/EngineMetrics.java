package io.gcgserve.server.metrics;

import static java.util.Objects.requireNonNull;

import io.gcgserve.engine.Engine;
import io.gcgserve.engine.EngineStats;
import io.gcgserve.model.StepTimings;
import io.gcgserve.server.model.ServedModel;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The engine's own metrics, read from it at scrape time, all prefixed {@code gcg_engine_}: where
 * its time goes per phase, how many decode steps it ran and how full they were (mean batch = rows
 * over steps), and what it holds now. Zero until the model is loaded.
 */
@Singleton
public final class EngineMetrics {

  private final ServedModel model;

  /** Registers every engine metric with {@code registry}. */
  @Inject
  public EngineMetrics(PrometheusRegistry registry, ServedModel model) {
    this.model = requireNonNull(model, "model is null");
    CounterWithCallback.builder()
        .name("gcg_engine_phase_seconds_total")
        .help(
            "Engine time per phase: prefill (encoders and LLM layers, pruner included),"
                + " llm_step (a batched decode step's LLM), mask_decode, glance, sampling,"
                + " event_encoding (handing events to the streams, masks encoded).")
        .labelNames("phase")
        .callback(
            callback -> {
              Engine engine = model.engineIfStarted();
              for (StepTimings.Phase phase : StepTimings.Phase.values()) {
                double seconds = engine == null ? 0 : engine.timings().nanos(phase) / 1e9;
                callback.call(seconds, phase.label());
              }
            })
        .register(registry);
    counter(
        registry,
        "gcg_engine_decode_steps_total",
        "Batched decode steps run.",
        EngineStats::decodeSteps);
    counter(
        registry,
        "gcg_engine_decode_rows_total",
        "Requests stepped, summed over decode steps (over steps: the mean batch size).",
        EngineStats::decodeRows);
    counter(
        registry,
        "gcg_engine_decode_tokens_total",
        "Tokens chosen by decode steps (first tokens come from prefill and are not counted).",
        EngineStats::decodeTokens);
    counter(
        registry,
        "gcg_engine_prefill_pieces_total",
        "Prefill pieces run (the encoders, or one LLM layer of one request).",
        EngineStats::prefillPieces);
    gauge(
        registry,
        "gcg_engine_running",
        "Requests in the batch now: prefilling, decoding, or prefilled ahead and waiting for a"
            + " decode row.",
        EngineStats::running);
    gauge(
        registry,
        "gcg_engine_waiting",
        "Admitted requests waiting for a place in the batch now.",
        EngineStats::waiting);
    gauge(
        registry,
        "gcg_engine_admitted",
        "Requests holding a place against --max-batch + --queue-capacity now: running, waiting,"
            + " or joining or leaving the batch.",
        EngineStats::admitted);
    gauge(
        registry,
        "gcg_engine_arriving",
        "Calls holding a place whose requests are not read yet; a call is refused at its"
            + " headers when admitted + arriving would pass --max-batch + --queue-capacity.",
        EngineStats::arriving);
    gauge(
        registry,
        "gcg_engine_reserved_bytes",
        "Bytes the running requests reserve (KV caches at their largest, image features).",
        EngineStats::reservedBytes);
  }

  private @Nullable EngineStats stats() {
    Engine engine = model.engineIfStarted();
    return engine == null ? null : engine.stats();
  }

  private void counter(
      PrometheusRegistry registry, String name, String help, ToDoubleFunction<EngineStats> value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .callback(
            callback -> {
              EngineStats stats = stats();
              callback.call(stats == null ? 0 : value.applyAsDouble(stats));
            })
        .register(registry);
  }

  private void gauge(
      PrometheusRegistry registry, String name, String help, ToDoubleFunction<EngineStats> value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(
            callback -> {
              EngineStats stats = stats();
              callback.call(stats == null ? 0 : value.applyAsDouble(stats));
            })
        .register(registry);
  }
}
