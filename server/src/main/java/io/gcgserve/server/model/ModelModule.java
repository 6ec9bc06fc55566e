package io.gcgserve.server.model;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import io.gcgserve.model.StepwiseCaptioner;
import io.gcgserve.model.djl.GcgModels;
import io.gcgserve.server.config.ServerConfig;
import jakarta.inject.Singleton;
import java.nio.file.Path;

/**
 * Binds the production {@link StepwiseCaptioner}: the bundled checkpoint, or {@code --model DIR}.
 * The provider runs when {@link ServedModel#loadAndWarmUp()} first asks for it, after the gRPC
 * server already answers health checks, so probes see NOT_SERVING while weights load. Tests replace
 * this binding with a double through {@code Modules.override}.
 */
public final class ModelModule extends AbstractModule {

  @Override
  protected void configure() {
    bind(ServedModel.class).in(Singleton.class);
  }

  @Provides
  @Singleton
  static StepwiseCaptioner captioner(ServerConfig config) {
    Path directory = config.modelDirectory();
    return directory == null
        ? GcgModels.loadBundled(config.device())
        : GcgModels.load(directory, config.device());
  }
}
