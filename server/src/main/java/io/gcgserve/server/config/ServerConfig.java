package io.gcgserve.server.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Every setting of the server, with its default in the field. Mutable setters return {@code this}
 * so flags and tests can build one fluently; {@link #validate()} is called once before use.
 */
public final class ServerConfig {

  /** Default gRPC port. */
  public static final int DEFAULT_PORT = 50051;

  /** Default Prometheus exporter port. */
  public static final int DEFAULT_METRICS_PORT = 9464;

  private int port = DEFAULT_PORT;
  private int metricsPort = DEFAULT_METRICS_PORT;
  private @Nullable Path modelDirectory;
  private String device = "auto";
  private int maxMessageBytes = 16 * 1024 * 1024;
  private int maxImageWidth = 4096;
  private int maxImageHeight = 4096;
  private int workerThreads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  private int queueCapacity = 8;
  private Duration drainGrace = Duration.ofSeconds(30);
  private int defaultMaxNewTokens = 128;
  private int maxNewTokensLimit = 512;
  private int maxPromptChars = 4096;
  private int streamBufferMessages = 64;
  private boolean warmUp = true;

  /** Creates a configuration holding the defaults. */
  public ServerConfig() {}

  /** gRPC listening port; 0 picks a free port. */
  public int port() {
    return port;
  }

  /** Sets the gRPC port. */
  public ServerConfig setPort(int port) {
    this.port = port;
    return this;
  }

  /** Prometheus exporter port; 0 picks a free port, negative disables the exporter. */
  public int metricsPort() {
    return metricsPort;
  }

  /** Sets the metrics port. */
  public ServerConfig setMetricsPort(int metricsPort) {
    this.metricsPort = metricsPort;
    return this;
  }

  /** HF-style model directory, or null for the checkpoint bundled on the classpath. */
  public @Nullable Path modelDirectory() {
    return modelDirectory;
  }

  /** Sets the model directory; null means the bundled checkpoint. */
  public ServerConfig setModelDirectory(@Nullable Path modelDirectory) {
    this.modelDirectory = modelDirectory;
    return this;
  }

  /** {@code auto}, {@code cpu} or {@code gpu}. */
  public String device() {
    return device;
  }

  /** Sets the device. */
  public ServerConfig setDevice(String device) {
    this.device = requireNonNull(device, "device is null");
    return this;
  }

  /** Largest accepted request message in bytes (the image dominates it). */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** Sets the largest accepted request message. */
  public ServerConfig setMaxMessageBytes(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
    return this;
  }

  /** Largest image width, checked from the header before decoding. */
  public int maxImageWidth() {
    return maxImageWidth;
  }

  /** Largest image height, checked from the header before decoding. */
  public int maxImageHeight() {
    return maxImageHeight;
  }

  /** Sets the largest image size in pixels. */
  public ServerConfig setMaxImageSize(int width, int height) {
    this.maxImageWidth = width;
    this.maxImageHeight = height;
    return this;
  }

  /** Generations that run at once; each holds one model forward pass. */
  public int workerThreads() {
    return workerThreads;
  }

  /** Sets the worker count. */
  public ServerConfig setWorkerThreads(int workerThreads) {
    this.workerThreads = workerThreads;
    return this;
  }

  /**
   * Admitted requests that may wait for a worker; beyond it requests fail at once with {@code
   * RESOURCE_EXHAUSTED}. 0 admits only as many requests as there are workers.
   */
  public int queueCapacity() {
    return queueCapacity;
  }

  /** Sets the queue capacity. */
  public ServerConfig setQueueCapacity(int queueCapacity) {
    this.queueCapacity = queueCapacity;
    return this;
  }

  /** How long a drain lets in-flight requests finish before cancelling them. */
  public Duration drainGrace() {
    return drainGrace;
  }

  /** Sets the drain grace period. */
  public ServerConfig setDrainGrace(Duration drainGrace) {
    this.drainGrace = requireNonNull(drainGrace, "drainGrace is null");
    return this;
  }

  /** {@code max_new_tokens} used when a request leaves it at 0. */
  public int defaultMaxNewTokens() {
    return defaultMaxNewTokens;
  }

  /** Sets the default {@code max_new_tokens}. */
  public ServerConfig setDefaultMaxNewTokens(int defaultMaxNewTokens) {
    this.defaultMaxNewTokens = defaultMaxNewTokens;
    return this;
  }

  /** Largest {@code max_new_tokens} a request may ask for. */
  public int maxNewTokensLimit() {
    return maxNewTokensLimit;
  }

  /** Sets the largest {@code max_new_tokens}. */
  public ServerConfig setMaxNewTokensLimit(int maxNewTokensLimit) {
    this.maxNewTokensLimit = maxNewTokensLimit;
    return this;
  }

  /** Longest prompt in UTF-16 characters. */
  public int maxPromptChars() {
    return maxPromptChars;
  }

  /** Sets the longest prompt. */
  public ServerConfig setMaxPromptChars(int maxPromptChars) {
    this.maxPromptChars = maxPromptChars;
    return this;
  }

  /**
   * Events one call may hold while its client is not reading; when full, the generating worker
   * waits for the client instead of buffering more.
   */
  public int streamBufferMessages() {
    return streamBufferMessages;
  }

  /** Sets the per-call event buffer. */
  public ServerConfig setStreamBufferMessages(int streamBufferMessages) {
    this.streamBufferMessages = streamBufferMessages;
    return this;
  }

  /** Whether one generation runs before health reports SERVING. */
  public boolean warmUp() {
    return warmUp;
  }

  /** Sets whether to warm up. */
  public ServerConfig setWarmUp(boolean warmUp) {
    this.warmUp = warmUp;
    return this;
  }

  /**
   * Checks every value, naming the flag to fix.
   *
   * @throws IllegalArgumentException on the first bad value
   */
  public ServerConfig validate() {
    check(port >= 0 && port <= 65535, "--port must be in [0, 65535], got " + port);
    check(metricsPort <= 65535, "--metrics-port must be at most 65535, got " + metricsPort);
    check(
        device.equals("auto") || device.equals("cpu") || device.equals("gpu"),
        "--device must be auto, cpu or gpu, got " + device);
    check(maxMessageBytes >= 1024, "--max-message-bytes must be at least 1024");
    check(
        maxImageWidth >= 1 && maxImageHeight >= 1,
        "--max-image-size must be positive, got " + maxImageWidth + "x" + maxImageHeight);
    check(workerThreads >= 1, "--workers must be at least 1, got " + workerThreads);
    check(queueCapacity >= 0, "--queue-capacity must be >= 0, got " + queueCapacity);
    check(!drainGrace.isNegative(), "--drain-grace must not be negative");
    check(maxNewTokensLimit >= 1, "--max-new-tokens-limit must be at least 1");
    check(
        defaultMaxNewTokens >= 1 && defaultMaxNewTokens <= maxNewTokensLimit,
        "--default-max-new-tokens must be in [1, --max-new-tokens-limit="
            + maxNewTokensLimit
            + "], got "
            + defaultMaxNewTokens);
    check(maxPromptChars >= 1, "--max-prompt-chars must be at least 1");
    check(streamBufferMessages >= 1, "--stream-buffer must be at least 1");
    return this;
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
