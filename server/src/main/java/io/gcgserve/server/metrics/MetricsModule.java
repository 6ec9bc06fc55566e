package io.gcgserve.server.metrics;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Singleton;

/**
 * Binds one {@link PrometheusRegistry} per server (not the JVM-wide default, so tests and embedded
 * servers never share series) with the JVM metrics registered on it, {@link ServingMetrics}, and
 * {@link EngineMetrics}.
 */
public final class MetricsModule extends AbstractModule {

  @Override
  protected void configure() {
    bind(ServingMetrics.class).in(Singleton.class);
    bind(EngineMetrics.class).asEagerSingleton();
    bind(MetricsExporter.class).in(Singleton.class);
  }

  @Provides
  @Singleton
  static PrometheusRegistry registry() {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    return registry;
  }
}
