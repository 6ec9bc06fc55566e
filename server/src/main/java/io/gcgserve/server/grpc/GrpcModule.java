package io.gcgserve.server.grpc;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import io.gcgserve.model.image.ImageDecoder;
import io.gcgserve.server.config.ServerConfig;
import io.grpc.protobuf.services.HealthStatusManager;
import jakarta.inject.Singleton;

/** Binds the gRPC service, the image decoder and the health manager. */
public final class GrpcModule extends AbstractModule {

  @Override
  protected void configure() {
    bind(GroundedCaptionService.class).in(Singleton.class);
    bind(TransportRejections.class).in(Singleton.class);
    bind(HealthStatusManager.class).toInstance(new HealthStatusManager());
  }

  @Provides
  @Singleton
  static ImageDecoder imageDecoder(ServerConfig config) {
    return new ImageDecoder(config.maxImageWidth(), config.maxImageHeight());
  }
}
