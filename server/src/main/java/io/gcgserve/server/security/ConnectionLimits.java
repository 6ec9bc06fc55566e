package io.gcgserve.server.security;

import static io.gcgserve.server.config.TransportSettings.HANDSHAKE_TIMEOUT_SECONDS;
import static io.gcgserve.server.config.TransportSettings.MAX_CONCURRENT_CALLS_PER_CONNECTION;
import static io.gcgserve.server.config.TransportSettings.MAX_CONNECTION_AGE_GRACE_SECONDS;
import static io.gcgserve.server.config.TransportSettings.MAX_CONNECTION_AGE_SECONDS;
import static io.gcgserve.server.config.TransportSettings.MAX_CONNECTION_IDLE_SECONDS;
import static io.gcgserve.server.config.TransportSettings.MAX_HEADER_LIST_BYTES;
import static io.gcgserve.server.config.TransportSettings.MAX_RST_FRAMES_PER_WINDOW;
import static io.gcgserve.server.config.TransportSettings.PERMIT_KEEPALIVE_TIME_SECONDS;
import static io.gcgserve.server.config.TransportSettings.RST_FRAMES_WINDOW_SECONDS;
import static java.util.Objects.requireNonNull;

import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.config.Setting;
import io.grpc.netty.NettyServerBuilder;
import java.util.concurrent.TimeUnit;

/** Puts the HTTP/2 and connection limits of the transport settings on a Netty server builder. */
final class ConnectionLimits {

  private ConnectionLimits() {}

  /** Applies every limit of {@code config} to {@code builder}; returns it. */
  static NettyServerBuilder apply(NettyServerBuilder builder, ServerConfig config) {
    builder
        .maxConcurrentCallsPerConnection(value(config, MAX_CONCURRENT_CALLS_PER_CONNECTION))
        .permitKeepAliveTime(value(config, PERMIT_KEEPALIVE_TIME_SECONDS), TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(false)
        .maxInboundMetadataSize(value(config, MAX_HEADER_LIST_BYTES))
        .handshakeTimeout(value(config, HANDSHAKE_TIMEOUT_SECONDS), TimeUnit.SECONDS);
    int idle = value(config, MAX_CONNECTION_IDLE_SECONDS);
    if (idle > 0) {
      builder.maxConnectionIdle(idle, TimeUnit.SECONDS);
    }
    int age = value(config, MAX_CONNECTION_AGE_SECONDS);
    if (age > 0) {
      builder
          .maxConnectionAge(age, TimeUnit.SECONDS)
          .maxConnectionAgeGrace(value(config, MAX_CONNECTION_AGE_GRACE_SECONDS), TimeUnit.SECONDS);
    }
    int resets = value(config, MAX_RST_FRAMES_PER_WINDOW);
    if (resets > 0) {
      builder.maxRstFramesPerWindow(resets, value(config, RST_FRAMES_WINDOW_SECONDS));
    }
    return builder;
  }

  private static int value(ServerConfig config, Setting<Integer> setting) {
    return requireNonNull(config.get(setting), setting.flag());
  }
}
