package io.gcgserve.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Every server setting, each declared here once with its flag, type, default, description and rule.
 * {@code Main} builds the {@code gcg-serve} command line from {@link #ALL} and {@link ServerConfig}
 * keeps its values by these keys, so adding a setting here is all it takes to give it a flag, a
 * help line with its default, and a check that names the flag.
 */
public final class ServerSettings {

  /** The {@link #BIND} value that means every interface. */
  public static final String ANY_ADDRESS = "*";

  /** The {@link #MAX_NEW_TOKENS_LIMIT} value that means the model's ceiling. */
  public static final int AUTO_TOKENS = 0;

  /** gRPC listening port. */
  public static final Setting<Integer> PORT =
      Setting.ofInteger("--port", "PORT", 50051, "gRPC port (0 = any free port).")
          .requiring(port -> port >= 0 && port <= 65535, "must be in [0, 65535]");

  /** Prometheus exporter port. */
  public static final Setting<Integer> METRICS_PORT =
      Setting.ofInteger(
              "--metrics-port",
              "PORT",
              9464,
              "Prometheus /metrics port (0 = any free port, negative = no exporter).")
          .requiring(port -> port <= 65535, "must be at most 65535");

  /** Address the gRPC server and the metrics exporter listen on. */
  public static final Setting<String> BIND =
      Setting.ofText(
              "--bind",
              "ADDRESS",
              ANY_ADDRESS,
              "Address that gRPC and /metrics listen on: * = every interface, 127.0.0.1 ="
                  + " this host only (a sidecar), or an IP address or host name of this host.")
          .requiring(ServerSettings::isBindable, "must be *, an IP address or a host name");

  /** Address the metrics exporter listens on, when not {@link #BIND}'s. */
  public static final Setting<String> METRICS_BIND =
      Setting.of(
              "--metrics-bind",
              "ADDRESS",
              String.class,
              "",
              "Address /metrics listens on when it differs from --bind (a sidecar: gRPC on"
                  + " 127.0.0.1 for the application, /metrics on * for Prometheus).",
              text -> text,
              text -> text.isEmpty() ? "the --bind address" : text)
          .requiring(
              address -> address.isEmpty() || isBindable(address),
              "must be *, an IP address or a host name");

  /** Model directory; absent means the checkpoint bundled on the classpath. */
  public static final Setting<Path> MODEL_DIRECTORY =
      Setting.ofOptionalPath(
          "--model",
          "DIR",
          "the bundled checkpoint",
          "HF-style model directory (config.json, model.safetensors, tokenizer.json).");

  /** Where the model runs. */
  public static final Setting<String> DEVICE =
      Setting.ofText("--device", "DEVICE", "auto", "auto, cpu or gpu.")
          .requiring(
              device -> Set.of("auto", "cpu", "gpu").contains(device), "must be auto, cpu or gpu");

  /** Requests in the engine's batch at once. */
  public static final Setting<Integer> MAX_BATCH =
      Setting.ofInteger(
              "--max-batch",
              "N",
              8,
              "The largest decode batch: requests decoding at once, every step as one batch; also"
                  + " the requests prefilling or decoding at once, besides --prefill-ahead.")
          .requiring(batch -> batch >= 1, "must be at least 1");

  /** Admitted requests that may wait for a place in the batch. */
  public static final Setting<Integer> QUEUE_CAPACITY =
      Setting.ofInteger(
              "--queue-capacity",
              "N",
              8,
              "Requests that may wait for a place in the batch; beyond them requests fail at"
                  + " once with RESOURCE_EXHAUSTED (0 = none wait).")
          .requiring(capacity -> capacity >= 0, "must be >= 0");

  /** Memory that running requests may reserve together. */
  public static final Setting<Integer> MAX_KV_MIB =
      Setting.ofInteger(
              "--max-kv-mib",
              "MIB",
              512,
              "MiB that running requests may reserve together (each its KV cache at its"
                  + " largest plus its image features); a request waits until its reservation"
                  + " fits.")
          .requiring(mib -> mib >= 1, "must be at least 1");

  /** Prefill work per engine iteration. */
  public static final Setting<Integer> PREFILL_CHUNK_TOKENS =
      Setting.ofInteger(
              "--prefill-chunk-tokens",
              "TOKENS",
              4096,
              "Prefill work between two decode steps, in tokens through one layer (a whole"
                  + " unpruned prefill of the bundled model is about 5,400): lower keeps running"
                  + " streams smoother, higher gives new requests their first token sooner.")
          .requiring(tokens -> tokens >= 1, "must be at least 1");

  /** Whether prefill runs on a thread of its own beside the decode steps. */
  public static final Setting<String> PREFILL_LANE =
      // a word, not a Boolean: picocli would turn a Boolean-typed option into a flag
      Setting.ofText(
              "--prefill-lane",
              "on|off",
              "on",
              "on: prefills run on a thread of their own, oldest first, while the engine thread"
                  + " runs decode steps, a core each; off: one thread runs both in turn"
                  + " (server/README.md, Engine).")
          .requiring(text -> text.equals("on") || text.equals("off"), "must be on or off");

  /** Requests the prefill lane may prefill beyond a full decode batch. */
  public static final Setting<Integer> PREFILL_AHEAD =
      Setting.ofInteger(
              "--prefill-ahead",
              "N",
              8,
              "With --prefill-lane on: admitted requests beyond --max-batch that the lane prefills"
                  + " while every decode row is taken; their first token goes out at once and each"
                  + " takes a row when one frees (0 = requests wait for a row before prefilling).")
          .requiring(ahead -> ahead >= 0, "must be >= 0");

  /** Largest accepted request message. */
  public static final Setting<Integer> MAX_MESSAGE_BYTES =
      Setting.ofInteger(
              "--max-message-bytes",
              "BYTES",
              16 * 1024 * 1024,
              "Largest request message in bytes; the image dominates it.")
          .requiring(bytes -> bytes >= 1024, "must be at least 1024");

  /** Largest accepted image, checked from its header before decoding. */
  public static final Setting<ImageSize> MAX_IMAGE_SIZE =
      Setting.of(
              "--max-image-size",
              "WxH",
              ImageSize.class,
              new ImageSize(4096, 4096),
              "Largest image, checked from its header before any pixel is decoded.",
              ImageSize::parse,
              ImageSize::toString)
          .requiring(ImageSize::isPositive, "must be positive");

  /** How long a drain lets in-flight calls finish. */
  public static final Setting<Duration> DRAIN_GRACE =
      Setting.of(
              "--drain-grace-seconds",
              "SECONDS",
              Duration.class,
              Duration.ofSeconds(30),
              "On SIGTERM, how long in-flight calls may finish before they are cancelled.",
              ServerSettings::parseSeconds,
              grace -> String.valueOf(grace.toSeconds()))
          .requiring(grace -> !grace.isNegative(), "must not be negative");

  /** How long a drain keeps accepting calls after health turns NOT_SERVING. */
  public static final Setting<Duration> DRAIN_DELAY =
      Setting.of(
              "--drain-delay-seconds",
              "SECONDS",
              Duration.class,
              Duration.ofSeconds(5),
              "On SIGTERM, how long health reports NOT_SERVING while new calls are still"
                  + " accepted, so load balancers stop routing here first (SIGINT skips it).",
              ServerSettings::parseSeconds,
              delay -> String.valueOf(delay.toSeconds()))
          .requiring(delay -> !delay.isNegative(), "must not be negative");

  /** {@code max_new_tokens} for a request that sends 0. */
  public static final Setting<Integer> DEFAULT_MAX_NEW_TOKENS =
      Setting.ofInteger(
              "--default-max-new-tokens",
              "N",
              128,
              "max_new_tokens when a request sends 0; at most --max-new-tokens-limit.")
          .requiring(tokens -> tokens >= 1, "must be at least 1");

  /** Largest {@code max_new_tokens} a request may ask for. */
  public static final Setting<Integer> MAX_NEW_TOKENS_LIMIT =
      Setting.of(
              "--max-new-tokens-limit",
              "N|auto",
              Integer.class,
              AUTO_TOKENS,
              "Largest max_new_tokens a request may ask for; auto = the model's ceiling (its"
                  + " context minus the visual tokens and the default prompt's tokens, 421 on the"
                  + " bundled model). A limit above the ceiling is refused at start.",
              ServerSettings::parseTokenLimit,
              tokens -> tokens == AUTO_TOKENS ? "auto" : String.valueOf(tokens))
          .requiring(tokens -> tokens >= 0, "must be auto or at least 1");

  /** Longest prompt. */
  public static final Setting<Integer> MAX_PROMPT_CHARS =
      Setting.ofInteger("--max-prompt-chars", "N", 4096, "Longest prompt in UTF-16 characters.")
          .requiring(chars -> chars >= 1, "must be at least 1");

  /** Events one call may hold while its client is not reading. */
  public static final Setting<Integer> STREAM_BUFFER_MESSAGES =
      Setting.ofInteger(
              "--stream-buffer",
              "N",
              64,
              "Events held per call while its client is not reading; when full, the generation"
                  + " waits for the client.")
          .requiring(messages -> messages >= 1, "must be at least 1");

  /** Bytes of one call's events the transport may hold unsent before the call buffers them. */
  public static final Setting<Integer> STREAM_TRANSPORT_BYTES =
      Setting.ofInteger(
              "--stream-transport-bytes",
              "BYTES",
              32768,
              "Bytes of a call's events the HTTP/2 transport may hold unsent (grpc-java's onReady"
                  + " threshold) before further events wait in --stream-buffer.")
          .requiring(bytes -> bytes >= 1, "must be at least 1");

  /** Whether the warm-up runs before health reports SERVING. */
  public static final Setting<Boolean> WARM_UP =
      Setting.ofSwitch(
          "--no-warm-up",
          true,
          false,
          "Report SERVING without first running the warm-up generations (alone, then a full batch"
              + " through the engine) and the budgets' calibration.");

  /** The A/B experiments file. */
  public static final Setting<Path> EXPERIMENTS_FILE =
      Setting.ofOptionalPath(
          "--experiments",
          "FILE",
          "no experiments",
          "A/B experiments (YAML, or JSON when named *.json; see examples/experiments.yaml),"
              + " checked completely at start and re-read when it changes or on SIGHUP.");

  /** How often the experiments file is checked for changes. */
  public static final Setting<Integer> EXPERIMENTS_POLL_SECONDS =
      Setting.ofInteger(
              "--experiments-poll-seconds",
              "SECONDS",
              2,
              "How often the experiments file is checked for a change (0 = only on SIGHUP).")
          .requiring(seconds -> seconds >= 0, "must be >= 0");

  /** Where the access log goes. */
  public static final Setting<Path> ACCESS_LOG =
      Setting.ofOptionalPath(
          "--access-log",
          "FILE",
          "no access log",
          "One JSON line per finished request (- = standard output), appended, written off the"
              + " request path.");

  /** Whether access log lines carry the caption and masks. */
  public static final Setting<Boolean> ACCESS_LOG_CAPTIONS =
      Setting.ofSwitch(
          "--access-log-captions",
          false,
          true,
          "Also log each caption and its masks (COCO RLE), so gcg-ab report can score quality"
              + " per arm; lines grow to a few KiB.");

  /** Size at which the server rotates the access log itself. */
  public static final Setting<Integer> ACCESS_LOG_ROTATE_MIB =
      Setting.ofInteger(
              "--access-log-rotate-mib",
              "MIB",
              0,
              "Rotate the access log at this size to FILE.1 .. FILE.<keep> (0 = never; external"
                  + " rotation by move or delete is always noticed).")
          .requiring(mib -> mib >= 0, "must be >= 0");

  /** Rotated access logs kept. */
  public static final Setting<Integer> ACCESS_LOG_KEEP =
      Setting.ofInteger(
              "--access-log-keep", "N", 5, "Rotated access log files kept (FILE.1 newest).")
          .requiring(keep -> keep >= 1, "must be at least 1");

  /** The pruner a budget uses when the request names none. */
  public static final Setting<String> BUDGET_PRUNER =
      Setting.ofText(
          "--budget-pruner",
          "NAME",
          "altp",
          "Pruner for requests with a budget (or under --ttft-slo-ms) that name no pruner; it"
              + " must take keep_tokens.");

  /** The least keep ratio a time budget prunes to. */
  public static final Setting<Double> BUDGET_MIN_KEEP_RATIO =
      Setting.of(
              "--budget-min-keep-ratio",
              "R",
              Double.class,
              0.1,
              "The hardest a TTFT budget or the server-wide TTFT objective prunes (kept over total"
                  + " visual tokens); below it captions lose their objects.",
              Double::valueOf,
              String::valueOf)
          .requiring(r -> r > 0 && r <= 1, "must be in (0, 1]");

  /** Whether time budgets back off together when they start to miss. */
  public static final Setting<String> BUDGET_BACKOFF =
      // a word, not a Boolean: picocli would turn a Boolean-typed option into a flag
      Setting.ofText(
              "--budget-backoff",
              "on|off",
              "off",
              "on: lower a server-wide ceiling on the keep ratio of TTFT budgets when they miss or"
                  + " come close, raise it again as they are met (server/README.md, Budgets; it"
                  + " did not help in docs/budgets/budgets.md); off = every budget decides alone.")
          .requiring(text -> text.equals("on") || text.equals("off"), "must be on or off");

  /** The most offered prefill load time budgets may plan for; 0 = no ceiling. */
  public static final Setting<Double> BUDGET_MAX_LOAD =
      Setting.of(
              "--budget-max-load",
              "LOAD|off",
              Double.class,
              0.7,
              "Time budgets keep no more visual tokens than the arrival rate allows: the largest"
                  + " keep whose predicted prefill, times the requests arriving per second, stays"
                  + " within this many seconds of prefill per second (server/README.md, Budgets).",
              text -> "off".equals(text) ? 0.0 : Double.valueOf(text),
              load -> load == 0 ? "off" : String.valueOf(load))
          .requiring(load -> load >= 0 && Double.isFinite(load), "must be >= 0, or off");

  /** The server-wide time-to-first-token objective, in ms; 0 = off. */
  public static final Setting<Integer> TTFT_SLO_MS =
      Setting.of(
              "--ttft-slo-ms",
              "MS|off",
              Integer.class,
              0,
              "Prune requests without a budget (and without their own keep setting) just hard"
                  + " enough to start within this many ms; off by default.",
              text -> "off".equals(text) ? 0 : Setting.parseInteger(text),
              ms -> ms == 0 ? "off" : String.valueOf(ms))
          .requiring(ms -> ms >= 0, "must be a positive number of ms, or off");

  /** The serving settings, in the order the help lists them. */
  private static final List<Setting<?>> SERVING =
      List.of(
          PORT,
          METRICS_PORT,
          BIND,
          METRICS_BIND,
          MODEL_DIRECTORY,
          DEVICE,
          MAX_BATCH,
          QUEUE_CAPACITY,
          MAX_KV_MIB,
          PREFILL_CHUNK_TOKENS,
          PREFILL_LANE,
          PREFILL_AHEAD,
          MAX_MESSAGE_BYTES,
          MAX_IMAGE_SIZE,
          DRAIN_DELAY,
          DRAIN_GRACE,
          DEFAULT_MAX_NEW_TOKENS,
          MAX_NEW_TOKENS_LIMIT,
          MAX_PROMPT_CHARS,
          STREAM_BUFFER_MESSAGES,
          STREAM_TRANSPORT_BYTES,
          WARM_UP,
          EXPERIMENTS_FILE,
          EXPERIMENTS_POLL_SECONDS,
          ACCESS_LOG,
          ACCESS_LOG_CAPTIONS,
          ACCESS_LOG_ROTATE_MIB,
          ACCESS_LOG_KEEP,
          BUDGET_PRUNER,
          BUDGET_MIN_KEEP_RATIO,
          BUDGET_BACKOFF,
          BUDGET_MAX_LOAD,
          TTFT_SLO_MS);

  /** Every setting, in the order the help lists them: the serving ones, then the transport's. */
  public static final List<Setting<?>> ALL =
      Stream.concat(SERVING.stream(), TransportSettings.ALL.stream()).toList();

  private ServerSettings() {}

  /**
   * Whether {@code address} is {@link #ANY_ADDRESS} or resolves (an IP literal never needs DNS).
   */
  private static boolean isBindable(String address) {
    if (address.equals(ANY_ADDRESS)) {
      return true;
    }
    if (address.isBlank() || address.contains(" ")) {
      return false;
    }
    try {
      InetAddress.getByName(address);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static Duration parseSeconds(String text) {
    try {
      return Duration.ofSeconds(Long.parseLong(text));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number of seconds, got '" + text + "'");
    }
  }

  private static Integer parseTokenLimit(String text) {
    if (text.equalsIgnoreCase("auto")) {
      return AUTO_TOKENS;
    }
    int tokens = Setting.parseInteger(text);
    if (tokens == AUTO_TOKENS) {
      throw new IllegalArgumentException("must be auto or at least 1, got 0");
    }
    return tokens;
  }
}
