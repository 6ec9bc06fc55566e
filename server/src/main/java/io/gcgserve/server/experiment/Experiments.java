package io.gcgserve.server.experiment;

import static java.util.Objects.requireNonNull;

import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.metrics.ServingMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The experiments in force, and their reloads. The server reads {@code --experiments} twice at
 * start: before listening, for everything but the pruner parameters (so a typo fails in a second),
 * then once the model is loaded, with its geometry, before health reports SERVING. Afterwards the
 * file is re-read every {@code --experiments-poll-seconds} when its content changed, and on SIGHUP:
 * a valid file replaces the set in force at once ({@link ExperimentSet} is immutable and swapped
 * atomically, so a request sees the old set or the new, and requests already assigned keep their
 * arm); an invalid one is logged with every problem, counted, and the old set stays.
 */
@Singleton
public final class Experiments implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Experiments.class);

  /** How an arm was chosen. */
  public enum Assignment {
    /** From (salt, subject_key): sticky for that key. */
    HASHED,
    /** No subject_key: drawn at random with the weights. */
    RANDOM
  }

  /** The arm a request gets. */
  public record Choice(Experiment experiment, Arm arm, Assignment assignment) {}

  private final @Nullable Path file;
  private final int pollSeconds;
  private final PrunerRegistry registry;
  private final ServingMetrics servingMetrics;
  private volatile ExperimentSet current = ExperimentSet.NONE;
  private final SecureRandom random = new SecureRandom();
  private final Counter reloads;
  private final Gauge inForce;
  private @Nullable ModelGeometry geometry;
  private String lastSeenSha256 = "";
  private @Nullable ScheduledExecutorService poller;

  /** Takes the file from {@code --experiments}; nothing is read until {@link #check}. */
  @Inject
  public Experiments(
      ServerConfig config,
      PrunerRegistry registry,
      ServingMetrics servingMetrics,
      PrometheusRegistry metricsRegistry) {
    this.file = config.experimentsFile();
    this.pollSeconds = config.experimentsPollSeconds();
    this.registry = requireNonNull(registry, "registry is null");
    this.servingMetrics = requireNonNull(servingMetrics, "servingMetrics is null");
    reloads =
        Counter.builder()
            .name("gcg_experiments_reloads_total")
            .help(
                "Reads of the experiments file by result: applied (now in force), rejected"
                    + " (invalid or unreadable; the old set stays) or unchanged.")
            .labelNames("result")
            .register(metricsRegistry);
    inForce =
        Gauge.builder()
            .name("gcg_experiments_in_force")
            .help("Experiments in force now.")
            .register(metricsRegistry);
  }

  /** Whether the server runs with an experiments file. */
  public boolean configured() {
    return file != null;
  }

  /**
   * Checks the file without the model's geometry, before the server listens.
   *
   * @throws ExperimentFileException naming every problem
   */
  public void check() throws ExperimentFileException {
    if (file != null) {
      ExperimentFile.read(file, registry, null);
    }
  }

  /**
   * Reads and checks the file against the loaded model, puts it in force, and starts watching it.
   *
   * @throws ExperimentFileException naming every problem; nothing is in force then
   */
  public synchronized void activate(ModelGeometry modelGeometry) throws ExperimentFileException {
    this.geometry = requireNonNull(modelGeometry, "modelGeometry is null");
    if (file == null) {
      return;
    }
    ExperimentSet set = ExperimentFile.read(file, registry, modelGeometry);
    lastSeenSha256 = set.sha256();
    install(set);
    reloads.labelValues("applied").inc();
    log.info("experiments in force from {}: {}", file, current.names());
    if (pollSeconds > 0 && poller == null) {
      ScheduledExecutorService executor =
          Executors.newSingleThreadScheduledExecutor(
              task -> {
                Thread thread = new Thread(task, "gcg-experiments-reload");
                thread.setDaemon(true);
                return thread;
              });
      var unused =
          executor.scheduleWithFixedDelay(
              this::pollQuietly, pollSeconds, pollSeconds, TimeUnit.SECONDS);
      poller = executor;
    }
  }

  /** The set in force now. */
  public ExperimentSet current() {
    return current;
  }

  /**
   * The arm for a request naming {@code experimentName}: hashed from {@code subjectKey}, or drawn
   * at random when it is empty; null when no experiment of that name is in force.
   */
  public @Nullable Choice choose(String experimentName, String subjectKey) {
    Experiment experiment = current.find(experimentName);
    if (experiment == null) {
      return null;
    }
    if (subjectKey.isEmpty()) {
      int index = ArmHash.draw(experiment.arms(), random::nextLong);
      return new Choice(experiment, experiment.arms().get(index), Assignment.RANDOM);
    }
    int index = ArmHash.choose(experiment.salt(), subjectKey, experiment.arms());
    return new Choice(experiment, experiment.arms().get(index), Assignment.HASHED);
  }

  /**
   * Re-reads the file now (SIGHUP): puts a changed, valid file in force; keeps the set in force
   * otherwise, logging every problem of an invalid one.
   *
   * @return what happened: {@code applied}, {@code rejected} or {@code unchanged}
   */
  public String reload() {
    return reload(true);
  }

  private synchronized String reload(boolean force) {
    Path path = file;
    ModelGeometry modelGeometry = geometry;
    if (path == null || modelGeometry == null) {
      return "unchanged";
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      // a ConfigMap update swaps a symlink: a read can fall between the two; the next poll retries
      if (force) {
        reloads.labelValues("rejected").inc();
        log.warn("experiments file {} cannot be read ({}); the experiments in force stay", path, e);
      }
      return "rejected";
    }
    String sha256 = ExperimentFile.sha256(bytes);
    if (!force && sha256.equals(lastSeenSha256)) {
      return "unchanged";
    }
    lastSeenSha256 = sha256;
    if (sha256.equals(current.sha256())) {
      reloads.labelValues("unchanged").inc();
      return "unchanged";
    }
    ExperimentSet read;
    try {
      read = ExperimentFile.parse(path, bytes, registry, modelGeometry);
    } catch (ExperimentFileException e) {
      reloads.labelValues("rejected").inc();
      log.warn("{}\nthe experiments in force stay: {}", e.getMessage(), current.names());
      return "rejected";
    }
    install(read);
    reloads.labelValues("applied").inc();
    log.info("experiments reloaded from {}: {}", path, read.names());
    return "applied";
  }

  private void pollQuietly() {
    try {
      reload(false);
    } catch (RuntimeException e) {
      // a scheduled task that throws is never run again: keep watching
      log.error("reloading the experiments file failed", e);
    }
  }

  private void install(ExperimentSet set) {
    current = set;
    inForce.set(set.experiments().size());
    servingMetrics.retainExperiments(set.armNames());
  }

  /** Stops watching the file. */
  @Override
  public synchronized void close() {
    if (poller != null) {
      poller.shutdownNow();
      poller = null;
    }
  }
}
