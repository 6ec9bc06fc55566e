package io.gcgserve.server.experiment;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import io.gcgserve.server.accesslog.AccessLog;
import io.gcgserve.server.accesslog.AccessLogOptions;
import io.gcgserve.server.config.ServerConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Binds the experiments in force and the access log their reports are made from. */
public final class ExperimentModule extends AbstractModule {

  @Override
  protected void configure() {
    bind(Experiments.class).in(Singleton.class);
  }

  @Provides
  @Singleton
  static AccessLog accessLog(ServerConfig config, PrometheusRegistry registry) {
    Path target = config.accessLog();
    if (target == null) {
      return AccessLog.off();
    }
    AccessLogOptions options = AccessLogOptions.forTarget(target.toString());
    if (config.accessLogRotateMib() > 0) {
      options = options.withRotationMib(config.accessLogRotateMib(), config.accessLogKeep());
    }
    try {
      return AccessLog.open(options, registry);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open --access-log " + target + ": " + e, e);
    }
  }
}
