package io.gcgserve.server;

import static java.util.Objects.requireNonNull;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.util.Modules;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.server.accesslog.AccessLog;
import io.gcgserve.server.budget.BudgetController;
import io.gcgserve.server.budget.Calibration;
import io.gcgserve.server.config.ConfigModule;
import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.experiment.ExperimentFileException;
import io.gcgserve.server.experiment.ExperimentModule;
import io.gcgserve.server.experiment.Experiments;
import io.gcgserve.server.grpc.CallMetadataInterceptor;
import io.gcgserve.server.grpc.CaptionServiceDefinition;
import io.gcgserve.server.grpc.GroundedCaptionService;
import io.gcgserve.server.grpc.GrpcModule;
import io.gcgserve.server.grpc.TransportRejections;
import io.gcgserve.server.metrics.MetricsExporter;
import io.gcgserve.server.metrics.MetricsModule;
import io.gcgserve.server.model.ModelModule;
import io.gcgserve.server.model.ServedModel;
import io.gcgserve.server.pruner.PrunerModule;
import io.gcgserve.server.security.SecurityModule;
import io.gcgserve.server.security.TransportSecurity;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the running server: the gRPC {@link Server} with the caption, health and reflection
 * services, the metrics exporter and the model. Health is NOT_SERVING from {@link #start} until
 * {@link #loadAndWarmUp} finishes, and again from the first moment of {@link #drain} or {@link
 * #stop}, so a load balancer stops routing before the server stops accepting.
 */
public final class GcgServer {

  private static final Logger log = LoggerFactory.getLogger(GcgServer.class);

  private static final Duration FORCED_STOP_WAIT = Duration.ofSeconds(5);

  private final ServerConfig config;
  private final GroundedCaptionService captionService;
  private final HealthStatusManager health;
  private final ServedModel model;
  private final MetricsExporter metricsExporter;
  private final Experiments experiments;
  private final AccessLog accessLog;
  private final BudgetController budgets;
  private final PrunerRegistry registry;
  private final TransportRejections transportRejections;
  private final TransportSecurity security;
  private @Nullable Server server;
  private int metricsPort = -1;
  private boolean stopped;
  private boolean healthTerminal;

  /** Takes the collaborators; use {@link #create} to wire them. */
  @Inject
  public GcgServer(
      ServerConfig config,
      GroundedCaptionService captionService,
      HealthStatusManager health,
      ServedModel model,
      MetricsExporter metricsExporter,
      Experiments experiments,
      AccessLog accessLog,
      BudgetController budgets,
      PrunerRegistry registry,
      TransportRejections transportRejections,
      TransportSecurity security) {
    this.transportRejections = requireNonNull(transportRejections, "transportRejections is null");
    this.security = requireNonNull(security, "security is null");
    this.budgets = requireNonNull(budgets, "budgets is null");
    this.registry = requireNonNull(registry, "registry is null");
    this.config = requireNonNull(config, "config is null");
    this.captionService = requireNonNull(captionService, "captionService is null");
    this.health = requireNonNull(health, "health is null");
    this.model = requireNonNull(model, "model is null");
    this.metricsExporter = requireNonNull(metricsExporter, "metricsExporter is null");
    this.experiments = requireNonNull(experiments, "experiments is null");
    this.accessLog = requireNonNull(accessLog, "accessLog is null");
  }

  /** The production modules, one per area. */
  public static List<Module> modules(ServerConfig config) {
    return List.of(
        new ConfigModule(config),
        new ModelModule(),
        new PrunerModule(),
        new MetricsModule(),
        new ExperimentModule(),
        new GrpcModule(),
        new SecurityModule());
  }

  /** Wires a server; {@code overrides} replace production bindings (tests bind a model double). */
  public static Injector injector(ServerConfig config, Module... overrides) {
    return Guice.createInjector(Modules.override(modules(config)).with(overrides));
  }

  /** Wires a server from {@code config}. */
  public static GcgServer create(ServerConfig config, Module... overrides) {
    return injector(config, overrides).getInstance(GcgServer.class);
  }

  /**
   * Starts listening on {@code --bind}:{@code --port} over Netty (TLS and the connection limits of
   * the transport settings), and the metrics exporter.
   */
  public void start() throws IOException {
    start(security.serverBuilder(config.socketAddress(config.port())));
  }

  /**
   * Starts on {@code builder} (in-process for tests, Netty in production) with health NOT_SERVING.
   */
  public synchronized void start(ServerBuilder<?> builder) throws IOException {
    if (server != null) {
      throw new IllegalStateException("already started");
    }
    health.setStatus("", ServingStatus.NOT_SERVING);
    health.setStatus(GroundedCaptionGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
    server =
        builder
            .maxInboundMessageSize(config.maxMessageBytes())
            .addStreamTracerFactory(transportRejections.tracerFactory())
            .intercept(transportRejections.interceptor())
            .addService(
                security.protect(
                    ServerInterceptors.intercept(
                        CaptionServiceDefinition.bind(captionService),
                        new CallMetadataInterceptor())))
            // health stays open: probes carry no token
            .addService(health.getHealthService())
            .addService(security.protect(ProtoReflectionServiceV1.newInstance()))
            .addService(security.protect(reflectionV1Alpha()))
            .build()
            .start();
    metricsPort = metricsExporter.start(security.metricsAuthenticator());
    security.startWatching();
  }

  /**
   * Server reflection v1alpha, for the tools (grpcurl before 1.9, some IDEs) that only speak it.
   */
  @SuppressWarnings("deprecation") // v1alpha is deprecated upstream, but still widely spoken
  private static io.grpc.BindableService reflectionV1Alpha() {
    return ProtoReflectionService.newInstance();
  }

  /**
   * Checks the experiments file as far as it can be without the model, so a bad file stops the
   * server before it listens or loads anything.
   *
   * @throws ExperimentFileException naming every problem
   */
  public void checkExperiments() throws ExperimentFileException {
    experiments.check();
  }

  /**
   * Loads the model, runs the warm-up generation, puts the experiments in force (their pruner
   * parameters checked against the model), calibrates the budgets' cost model (with the warm-up),
   * then reports SERVING.
   *
   * @throws ExperimentFileException when an arm's pruner parameters do not fit the model
   */
  public ModelInfo loadAndWarmUp() throws ExperimentFileException {
    ModelInfo info = model.loadAndWarmUp();
    experiments.activate(info.geometry());
    if (config.warmUp()) {
      calibrate(info);
    }
    synchronized (this) {
      if (!stopped) {
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(GroundedCaptionGrpc.SERVICE_NAME, ServingStatus.SERVING);
      }
    }
    return info;
  }

  private void calibrate(ModelInfo info) {
    Calibration calibration =
        new Calibration(model.engine(), info, ServedModel.warmUpImage(info.imageSize()));
    try {
      log.info(calibration.run(registry, budgets.costs()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while calibrating the cost model", e);
    }
  }

  /** Re-reads the experiments file now (SIGHUP); returns applied, rejected or unchanged. */
  public String reloadExperiments() {
    return experiments.reload();
  }

  /**
   * Re-reads the TLS and token files now (SIGHUP); returns each credential's result, e.g. {@code
   * tls applied}, or {@code none} without credential files.
   */
  public String reloadCredentials() {
    return security.reload();
  }

  /** How the gRPC port is secured, e.g. {@code TLS, bearer tokens} or {@code plaintext}. */
  public String transport() {
    return security.description();
  }

  /** The bound gRPC port (useful with {@code --port 0}); -1 for non-socket transports. */
  public synchronized int port() {
    return server == null ? -1 : server.getPort();
  }

  /** The bound metrics port, or -1 when the exporter is disabled. */
  public synchronized int metricsPort() {
    return metricsPort;
  }

  /**
   * The SIGTERM sequence: health NOT_SERVING at once while new calls are still accepted for {@code
   * --drain-delay-seconds} (load balancers and kube-proxy need a moment to stop routing here), then
   * {@link #stop}. Returns whether the drain was clean (see {@link #stop}).
   */
  public boolean drain(PrintStream progress) throws InterruptedException {
    synchronized (this) {
      if (stopped) {
        return false;
      }
    }
    healthNotServing();
    Duration delay = config.drainDelay();
    if (!delay.isZero()) {
      progress.println(
          "gcg-serve: draining: health NOT_SERVING; still accepting calls for "
              + delay.toSeconds()
              + " s");
      Thread.sleep(delay.toMillis());
    }
    return stop(progress);
  }

  /**
   * Health NOT_SERVING for good, once: gRPC's health service logs a warning with a stack trace when
   * told twice, which a drain ({@link #drain} then {@link #stop}) would otherwise do.
   */
  private synchronized void healthNotServing() {
    if (!healthTerminal) {
      healthTerminal = true;
      health.enterTerminalState();
    }
  }

  /**
   * Stops: health NOT_SERVING, stop accepting calls, let in-flight calls finish for {@code
   * --drain-grace}, then cancel the rest and free the model. Progress goes to {@code progress}
   * because logging may already be shut down when a shutdown hook runs this. Returns whether the
   * stop was clean: every call finished within the grace and the engine ended without failing a
   * request (false also when another thread stopped the server first).
   */
  public boolean stop(PrintStream progress) throws InterruptedException {
    Server running;
    synchronized (this) {
      if (stopped) {
        return false;
      }
      stopped = true;
      running = server;
    }
    progress.println("gcg-serve: draining: health NOT_SERVING, no new calls");
    healthNotServing();
    boolean clean = true;
    if (running != null) {
      running.shutdown();
      Duration grace = config.drainGrace();
      if (!running.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        progress.println(
            "gcg-serve: in-flight calls still running after " + grace + "; cancelling them");
        clean = false;
        running.shutdownNow();
        running.awaitTermination(FORCED_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    if (!model.stopEngine(FORCED_STOP_WAIT)) {
      clean = false;
      progress.println(
          "gcg-serve: requests still running after " + FORCED_STOP_WAIT + " were failed");
    }
    experiments.close();
    security.close();
    // after the engine: every request that ran has ended and recorded its line
    accessLog.close();
    metricsExporter.close();
    model.close();
    progress.println(clean ? "gcg-serve: stopped" : "gcg-serve: stopped (not clean)");
    return clean;
  }

  /** Waits until the gRPC server has terminated. */
  public void blockUntilShutdown() throws InterruptedException {
    Server running;
    synchronized (this) {
      running = server;
    }
    if (running != null) {
      running.awaitTermination();
    }
  }
}
