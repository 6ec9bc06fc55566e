package io.gcgserve.server.config;

import static io.gcgserve.server.config.ServerSettings.ACCESS_LOG;
import static io.gcgserve.server.config.ServerSettings.ACCESS_LOG_CAPTIONS;
import static io.gcgserve.server.config.ServerSettings.ACCESS_LOG_KEEP;
import static io.gcgserve.server.config.ServerSettings.ACCESS_LOG_ROTATE_MIB;
import static io.gcgserve.server.config.ServerSettings.BIND;
import static io.gcgserve.server.config.ServerSettings.BUDGET_BACKOFF;
import static io.gcgserve.server.config.ServerSettings.BUDGET_MAX_LOAD;
import static io.gcgserve.server.config.ServerSettings.BUDGET_MIN_KEEP_RATIO;
import static io.gcgserve.server.config.ServerSettings.BUDGET_PRUNER;
import static io.gcgserve.server.config.ServerSettings.DEFAULT_MAX_NEW_TOKENS;
import static io.gcgserve.server.config.ServerSettings.DEVICE;
import static io.gcgserve.server.config.ServerSettings.DRAIN_DELAY;
import static io.gcgserve.server.config.ServerSettings.DRAIN_GRACE;
import static io.gcgserve.server.config.ServerSettings.EXPERIMENTS_FILE;
import static io.gcgserve.server.config.ServerSettings.EXPERIMENTS_POLL_SECONDS;
import static io.gcgserve.server.config.ServerSettings.MAX_BATCH;
import static io.gcgserve.server.config.ServerSettings.MAX_IMAGE_SIZE;
import static io.gcgserve.server.config.ServerSettings.MAX_KV_MIB;
import static io.gcgserve.server.config.ServerSettings.MAX_MESSAGE_BYTES;
import static io.gcgserve.server.config.ServerSettings.MAX_NEW_TOKENS_LIMIT;
import static io.gcgserve.server.config.ServerSettings.MAX_PROMPT_CHARS;
import static io.gcgserve.server.config.ServerSettings.METRICS_BIND;
import static io.gcgserve.server.config.ServerSettings.METRICS_PORT;
import static io.gcgserve.server.config.ServerSettings.MODEL_DIRECTORY;
import static io.gcgserve.server.config.ServerSettings.PORT;
import static io.gcgserve.server.config.ServerSettings.PREFILL_AHEAD;
import static io.gcgserve.server.config.ServerSettings.PREFILL_CHUNK_TOKENS;
import static io.gcgserve.server.config.ServerSettings.PREFILL_LANE;
import static io.gcgserve.server.config.ServerSettings.QUEUE_CAPACITY;
import static io.gcgserve.server.config.ServerSettings.STREAM_BUFFER_MESSAGES;
import static io.gcgserve.server.config.ServerSettings.TTFT_SLO_MS;
import static io.gcgserve.server.config.ServerSettings.WARM_UP;
import static java.util.Objects.requireNonNull;

import io.gcgserve.engine.EngineLimits;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The server's settings, one value per {@link ServerSettings} declaration; a setting never set
 * holds its declared default, so defaults live in one place. The typed accessors and setters are
 * what the rest of the server and the tests use; setters return {@code this} so a configuration can
 * be built fluently, and {@link #validate()} is called once before use.
 */
public final class ServerConfig {

  /** Values set so far; a setting absent here has its default. */
  private final Map<Setting<?>, @Nullable Object> values = new HashMap<>();

  /** Creates a configuration holding the defaults. */
  public ServerConfig() {}

  /** The value of {@code setting}: the one set, or its default. */
  public <T> @Nullable T get(Setting<T> setting) {
    requireNonNull(setting, "setting is null");
    return values.containsKey(setting)
        ? setting.type().cast(values.get(setting))
        : setting.defaultValue();
  }

  /** Sets {@code setting}; null only for an optional setting. Checked by {@link #validate()}. */
  public <T> ServerConfig set(Setting<T> setting, @Nullable T value) {
    requireNonNull(setting, "setting is null");
    if (value == null && !setting.isOptional()) {
      throw new NullPointerException(setting.flag() + " is null");
    }
    values.put(setting, value);
    return this;
  }

  private <T> T required(Setting<T> setting) {
    return requireNonNull(get(setting), setting.flag() + " is null");
  }

  /** gRPC listening port; 0 picks a free port. */
  public int port() {
    return required(PORT);
  }

  /** Sets the gRPC port. */
  public ServerConfig setPort(int port) {
    return set(PORT, port);
  }

  /** Prometheus exporter port; 0 picks a free port, negative disables the exporter. */
  public int metricsPort() {
    return required(METRICS_PORT);
  }

  /** Sets the metrics port. */
  public ServerConfig setMetricsPort(int metricsPort) {
    return set(METRICS_PORT, metricsPort);
  }

  /** HF-style model directory, or null for the checkpoint bundled on the classpath. */
  public @Nullable Path modelDirectory() {
    return get(MODEL_DIRECTORY);
  }

  /** Sets the model directory; null means the bundled checkpoint. */
  public ServerConfig setModelDirectory(@Nullable Path modelDirectory) {
    return set(MODEL_DIRECTORY, modelDirectory);
  }

  /** {@code auto}, {@code cpu} or {@code gpu}. */
  public String device() {
    return required(DEVICE);
  }

  /** Sets the device. */
  public ServerConfig setDevice(String device) {
    return set(DEVICE, requireNonNull(device, "device is null"));
  }

  /** Largest accepted request message in bytes (the image dominates it). */
  public int maxMessageBytes() {
    return required(MAX_MESSAGE_BYTES);
  }

  /** Sets the largest accepted request message. */
  public ServerConfig setMaxMessageBytes(int maxMessageBytes) {
    return set(MAX_MESSAGE_BYTES, maxMessageBytes);
  }

  /** Largest image width, checked from the header before decoding. */
  public int maxImageWidth() {
    return required(MAX_IMAGE_SIZE).width();
  }

  /** Largest image height, checked from the header before decoding. */
  public int maxImageHeight() {
    return required(MAX_IMAGE_SIZE).height();
  }

  /** Sets the largest image size in pixels. */
  public ServerConfig setMaxImageSize(int width, int height) {
    return set(MAX_IMAGE_SIZE, new ImageSize(width, height));
  }

  /** Requests running at once in the engine's batch. */
  public int maxBatch() {
    return required(MAX_BATCH);
  }

  /** Sets the batch limit. */
  public ServerConfig setMaxBatch(int maxBatch) {
    return set(MAX_BATCH, maxBatch);
  }

  /**
   * Admitted requests that may wait for a place in the batch; beyond it requests fail at once with
   * {@code RESOURCE_EXHAUSTED}.
   */
  public int queueCapacity() {
    return required(QUEUE_CAPACITY);
  }

  /** Sets the queue capacity. */
  public ServerConfig setQueueCapacity(int queueCapacity) {
    return set(QUEUE_CAPACITY, queueCapacity);
  }

  /** MiB that running requests may reserve together (KV caches and image features). */
  public int maxKvMib() {
    return required(MAX_KV_MIB);
  }

  /** Sets the memory limit of running requests. */
  public ServerConfig setMaxKvMib(int maxKvMib) {
    return set(MAX_KV_MIB, maxKvMib);
  }

  /** Prefill work per engine iteration, in tokens through one layer. */
  public int prefillChunkTokens() {
    return required(PREFILL_CHUNK_TOKENS);
  }

  /** Sets the prefill work per engine iteration. */
  public ServerConfig setPrefillChunkTokens(int prefillChunkTokens) {
    return set(PREFILL_CHUNK_TOKENS, prefillChunkTokens);
  }

  /** Whether prefill runs on a thread of its own beside the decode steps. */
  public boolean prefillLane() {
    return "on".equals(required(PREFILL_LANE));
  }

  /** Sets whether prefill runs on a thread of its own. */
  public ServerConfig setPrefillLane(boolean on) {
    return set(PREFILL_LANE, on ? "on" : "off");
  }

  /** The engine's limits from these settings. */
  public EngineLimits engineLimits() {
    return new EngineLimits(
        maxBatch(),
        queueCapacity(),
        (long) maxKvMib() << 20,
        prefillChunkTokens(),
        prefillLane(),
        required(PREFILL_AHEAD));
  }

  /** How long a drain lets in-flight requests finish before cancelling them. */
  public Duration drainGrace() {
    return required(DRAIN_GRACE);
  }

  /** Sets the drain grace period. */
  public ServerConfig setDrainGrace(Duration drainGrace) {
    return set(DRAIN_GRACE, requireNonNull(drainGrace, "drainGrace is null"));
  }

  /** How long a SIGTERM drain keeps accepting calls with health NOT_SERVING. */
  public Duration drainDelay() {
    return required(DRAIN_DELAY);
  }

  /** Sets the drain delay. */
  public ServerConfig setDrainDelay(Duration drainDelay) {
    return set(DRAIN_DELAY, requireNonNull(drainDelay, "drainDelay is null"));
  }

  /** The address gRPC and metrics listen on; {@code *} for every interface. */
  public String bind() {
    return required(BIND);
  }

  /** Sets the listening address. */
  public ServerConfig setBind(String address) {
    return set(BIND, requireNonNull(address, "address is null"));
  }

  /** The address /metrics listens on; empty for the {@link #bind} address. */
  public String metricsBind() {
    return required(METRICS_BIND);
  }

  /** Sets the metrics address (empty = the {@link #bind} address). */
  public ServerConfig setMetricsBind(String address) {
    return set(METRICS_BIND, requireNonNull(address, "address is null"));
  }

  /**
   * The socket address for the gRPC {@code port} on {@link #bind}: the wildcard address for {@code
   * *}.
   *
   * @throws IllegalArgumentException when the address no longer resolves
   */
  public InetSocketAddress socketAddress(int port) {
    return socketAddress(BIND, bind(), port);
  }

  /**
   * The socket address for the metrics {@code port}: on {@link #metricsBind}, else {@link #bind}.
   */
  public InetSocketAddress metricsSocketAddress(int port) {
    String address = metricsBind();
    return address.isEmpty() ? socketAddress(port) : socketAddress(METRICS_BIND, address, port);
  }

  private static InetSocketAddress socketAddress(Setting<String> flag, String address, int port) {
    if (address.equals(ServerSettings.ANY_ADDRESS)) {
      return new InetSocketAddress(port);
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(address), port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(flag.flag() + ": cannot resolve '" + address + "'", e);
    }
  }

  /** {@code max_new_tokens} used when a request leaves it at 0. */
  public int defaultMaxNewTokens() {
    return required(DEFAULT_MAX_NEW_TOKENS);
  }

  /** Sets the default {@code max_new_tokens}. */
  public ServerConfig setDefaultMaxNewTokens(int defaultMaxNewTokens) {
    return set(DEFAULT_MAX_NEW_TOKENS, defaultMaxNewTokens);
  }

  /**
   * Largest {@code max_new_tokens} a request may ask for, as configured: {@link
   * ServerSettings#AUTO_TOKENS} for the model's ceiling (resolved when the model loads).
   */
  public int maxNewTokensLimit() {
    return required(MAX_NEW_TOKENS_LIMIT);
  }

  /** Sets the largest {@code max_new_tokens}. */
  public ServerConfig setMaxNewTokensLimit(int maxNewTokensLimit) {
    return set(MAX_NEW_TOKENS_LIMIT, maxNewTokensLimit);
  }

  /** Longest prompt in UTF-16 characters. */
  public int maxPromptChars() {
    return required(MAX_PROMPT_CHARS);
  }

  /** Sets the longest prompt. */
  public ServerConfig setMaxPromptChars(int maxPromptChars) {
    return set(MAX_PROMPT_CHARS, maxPromptChars);
  }

  /**
   * Events one call may hold while its client is not reading; when full, the generating worker
   * waits for the client instead of buffering more.
   */
  public int streamBufferMessages() {
    return required(STREAM_BUFFER_MESSAGES);
  }

  /** Sets the per-call event buffer. */
  public ServerConfig setStreamBufferMessages(int streamBufferMessages) {
    return set(STREAM_BUFFER_MESSAGES, streamBufferMessages);
  }

  /** Whether one generation runs before health reports SERVING. */
  public boolean warmUp() {
    return required(WARM_UP);
  }

  /** Sets whether to warm up. */
  public ServerConfig setWarmUp(boolean warmUp) {
    return set(WARM_UP, warmUp);
  }

  /** The A/B experiments file, or null for none. */
  public @Nullable Path experimentsFile() {
    return get(EXPERIMENTS_FILE);
  }

  /** Sets the experiments file; null for none. */
  public ServerConfig setExperimentsFile(@Nullable Path file) {
    return set(EXPERIMENTS_FILE, file);
  }

  /** Seconds between checks of the experiments file for a change; 0 = only on SIGHUP. */
  public int experimentsPollSeconds() {
    return required(EXPERIMENTS_POLL_SECONDS);
  }

  /** Sets the experiments file's poll interval. */
  public ServerConfig setExperimentsPollSeconds(int seconds) {
    return set(EXPERIMENTS_POLL_SECONDS, seconds);
  }

  /** The access log file ({@code -} = standard output), or null for none. */
  public @Nullable Path accessLog() {
    return get(ACCESS_LOG);
  }

  /** Sets the access log file; null for none. */
  public ServerConfig setAccessLog(@Nullable Path file) {
    return set(ACCESS_LOG, file);
  }

  /** Whether access log lines carry captions and masks. */
  public boolean accessLogCaptions() {
    return required(ACCESS_LOG_CAPTIONS);
  }

  /** Sets whether access log lines carry captions and masks. */
  public ServerConfig setAccessLogCaptions(boolean captions) {
    return set(ACCESS_LOG_CAPTIONS, captions);
  }

  /** Size in MiB at which the server rotates the access log; 0 = never. */
  public int accessLogRotateMib() {
    return required(ACCESS_LOG_ROTATE_MIB);
  }

  /** Rotated access log files kept. */
  public int accessLogKeep() {
    return required(ACCESS_LOG_KEEP);
  }

  /** The pruner budgets use for requests that name none. */
  public String budgetPruner() {
    return required(BUDGET_PRUNER);
  }

  /** Sets the budget pruner. */
  public ServerConfig setBudgetPruner(String name) {
    return set(BUDGET_PRUNER, name);
  }

  /** The least keep ratio a time budget prunes to. */
  public double budgetMinKeepRatio() {
    return required(BUDGET_MIN_KEEP_RATIO);
  }

  /** Sets the least keep ratio a time budget prunes to. */
  public ServerConfig setBudgetMinKeepRatio(double ratio) {
    return set(BUDGET_MIN_KEEP_RATIO, ratio);
  }

  /** Whether time budgets back off together ({@code --budget-backoff}). */
  public boolean budgetBackoff() {
    return "on".equals(required(BUDGET_BACKOFF));
  }

  /** Sets whether time budgets back off together. */
  public ServerConfig setBudgetBackoff(boolean on) {
    return set(BUDGET_BACKOFF, on ? "on" : "off");
  }

  /** The most offered prefill load time budgets plan for ({@code --budget-max-load}); 0 = off. */
  public double budgetMaxLoad() {
    return required(BUDGET_MAX_LOAD);
  }

  /** Sets the most offered prefill load time budgets plan for; 0 = off. */
  public ServerConfig setBudgetMaxLoad(double load) {
    return set(BUDGET_MAX_LOAD, load);
  }

  /** The server-wide TTFT objective in ms; 0 = off. */
  public int ttftSloMillis() {
    return required(TTFT_SLO_MS);
  }

  /** Sets the server-wide TTFT objective; 0 = off. */
  public ServerConfig setTtftSloMillis(int millis) {
    return set(TTFT_SLO_MS, millis);
  }

  /**
   * Checks every value against its setting's rule, then the rules that span settings; every message
   * names the flag to fix.
   *
   * @throws IllegalArgumentException on the first bad value
   */
  public ServerConfig validate() {
    for (Setting<?> setting : ServerSettings.ALL) {
      checkValue(setting);
    }
    int limit = maxNewTokensLimit();
    int defaultTokens = defaultMaxNewTokens();
    if (limit != ServerSettings.AUTO_TOKENS && defaultTokens > limit) {
      throw new IllegalArgumentException(
          DEFAULT_MAX_NEW_TOKENS.flag()
              + " must be in [1, "
              + MAX_NEW_TOKENS_LIMIT.flag()
              + "="
              + limit
              + "], got "
              + defaultTokens);
    }
    TransportSettings.validate(this);
    return this;
  }

  private <T> void checkValue(Setting<T> setting) {
    setting.check(get(setting));
  }
}
