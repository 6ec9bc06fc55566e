package io.gcgserve.server.metrics;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.Authenticator;
import io.gcgserve.server.config.ServerConfig;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.jspecify.annotations.Nullable;

/**
 * Serves the registry over HTTP at {@code /metrics} on {@code --metrics-port}; disabled when the
 * port is negative. It listens on {@code --metrics-bind}, or {@code --bind} like the gRPC server.
 */
public final class MetricsExporter implements AutoCloseable {

  private final PrometheusRegistry registry;
  private final ServerConfig config;
  private final int port;
  private @Nullable HTTPServer server;

  /** Takes the registry and the port. */
  @Inject
  public MetricsExporter(PrometheusRegistry registry, ServerConfig config) {
    this.registry = requireNonNull(registry, "registry is null");
    this.config = requireNonNull(config, "config is null");
    this.port = config.metricsPort();
  }

  /** Starts the HTTP server, open to every scraper, unless disabled; returns the port or -1. */
  public int start() {
    return start(null);
  }

  /**
   * Starts the HTTP server, unless disabled, with {@code authenticator} checking every scrape
   * (null: open); returns the bound port or -1.
   */
  public synchronized int start(@Nullable Authenticator authenticator) {
    if (port < 0) {
      return -1;
    }
    try {
      HTTPServer.Builder builder =
          HTTPServer.builder()
              .inetAddress(config.metricsSocketAddress(port).getAddress())
              .port(port)
              .registry(registry);
      if (authenticator != null) {
        builder.authenticator(authenticator);
      }
      server = builder.buildAndStart();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve metrics on port " + port, e);
    }
    return server.getPort();
  }

  /** Stops the HTTP server if it runs. */
  @Override
  public synchronized void close() {
    if (server != null) {
      server.close();
      server = null;
    }
  }
}
