package io.gcgserve.server.grpc;

import com.google.inject.AbstractModule;
import io.gcgserve.server.image.ImageDecoder;
import io.grpc.protobuf.services.HealthStatusManager;
import jakarta.inject.Singleton;

/** Binds the gRPC service, its generation executor, the image decoder and the health manager. */
public final class GrpcModule extends AbstractModule {

  @Override
  protected void configure() {
    bind(GroundedCaptionService.class).in(Singleton.class);
    bind(GenerationExecutor.class).in(Singleton.class);
    bind(ImageDecoder.class).in(Singleton.class);
    bind(HealthStatusManager.class).toInstance(new HealthStatusManager());
  }
}
