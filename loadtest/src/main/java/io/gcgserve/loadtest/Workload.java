package io.gcgserve.loadtest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What to send: the arrival process, bounds, images, the request mix and the per-request options.
 * Built from flags, or from a YAML/JSON file whose keys are the flags' long names with {@code _}
 * for {@code -} (explicit flags win over the file). See loadtest/README.md for every key.
 *
 * @param arrival {@code poisson}, {@code gamma}, {@code constant} (open loop) or {@code closed}
 * @param rate open loop: target arrivals per second
 * @param burstiness gamma shape: 1 is Poisson, below 1 burstier, above 1 smoother
 * @param concurrency closed loop: streams kept in flight
 * @param duration how long arrivals are scheduled (open loop) or sent (closed loop)
 * @param requests at most this many requests, 0 = bounded by duration alone
 * @param warmup leading part excluded from the figures
 * @param images a directory of PNG/JPEG files or a GranDf directory; absent = synthetic val
 * @param synthetic synthetic val scenes to generate when {@code images} is absent
 * @param groundTruth a GranDf directory to score captions against; the synthetic scenes by default
 * @param mix the weighted request mix
 * @param subjects size of the subject-key population of experiment requests
 * @param maxTokens {@code max_new_tokens} of every request, 0 = the server's default
 * @param deadline per-call deadline
 * @param cancelShare share of requests cancelled mid-stream, in [0, 1]
 * @param maxInFlight open loop: at most this many streams at once (the scheduler waits beyond it)
 * @param seed seed of arrivals, mix, images, keys and cancellations
 */
public record Workload(
    @JsonProperty("arrival") String arrival,
    @JsonProperty("rate") double rate,
    @JsonProperty("burstiness") double burstiness,
    @JsonProperty("concurrency") int concurrency,
    @JsonProperty("duration") String duration,
    @JsonProperty("requests") int requests,
    @JsonProperty("warmup") String warmup,
    @JsonProperty("images") @Nullable String images,
    @JsonProperty("synthetic") int synthetic,
    @JsonProperty("ground_truth") @Nullable String groundTruth,
    @JsonProperty("mix") List<MixEntry> mix,
    @JsonProperty("subjects") int subjects,
    @JsonProperty("max_tokens") int maxTokens,
    @JsonProperty("deadline") String deadline,
    @JsonProperty("cancel_share") double cancelShare,
    @JsonProperty("max_in_flight") int maxInFlight,
    @JsonProperty("seed") long seed) {

  private static final Set<String> ARRIVALS = Set.of("poisson", "gamma", "constant", "closed");
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  private static final ObjectMapper YAML =
      YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  /** Checks every field, with a message naming what to fix. */
  public Workload {
    arrival = arrival.toLowerCase(Locale.ROOT);
    mix = List.copyOf(mix);
    require(ARRIVALS.contains(arrival), "arrival must be one of " + ARRIVALS + ", got " + arrival);
    require(
        arrival.equals("closed") || rate > 0,
        "rate must be > 0 for open-loop arrivals, got " + rate);
    require(burstiness > 0, "burstiness must be > 0, got " + burstiness);
    require(
        !arrival.equals("closed") || concurrency >= 1,
        "concurrency must be >= 1, got " + concurrency);
    require(DurationText.seconds(duration) > 0, "duration must be > 0, got " + duration);
    require(requests >= 0, "requests must be >= 0 (0 = no bound), got " + requests);
    require(
        DurationText.seconds(warmup) < DurationText.seconds(duration),
        "warmup (" + warmup + ") must be shorter than duration (" + duration + ")");
    require(synthetic >= 1, "synthetic must be >= 1, got " + synthetic);
    require(!mix.isEmpty(), "mix is empty: give at least one entry, e.g. none");
    require(subjects >= 1, "subjects must be >= 1, got " + subjects);
    require(maxTokens >= 0, "max_tokens must be >= 0 (0 = server default), got " + maxTokens);
    require(DurationText.seconds(deadline) > 0, "deadline must be > 0, got " + deadline);
    require(
        cancelShare >= 0 && cancelShare <= 1, "cancel_share must be in [0, 1], got " + cancelShare);
    require(maxInFlight >= 1, "max_in_flight must be >= 1, got " + maxInFlight);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /** True for closed-loop arrivals. */
  boolean closedLoop() {
    return arrival.equals("closed");
  }

  /** Duration in seconds. */
  double durationSeconds() {
    return DurationText.seconds(duration);
  }

  /** Warm-up in seconds. */
  double warmupSeconds() {
    return DurationText.seconds(warmup);
  }

  /** Deadline in milliseconds. */
  double deadlineMillis() {
    return DurationText.millis(deadline);
  }

  /** A copy at another open-loop rate, duration and seed (for the capacity search and runs). */
  Workload with(double newRate, String newDuration, String newWarmup, long newSeed) {
    return new Workload(
        arrival,
        newRate,
        burstiness,
        concurrency,
        newDuration,
        requests,
        newWarmup,
        images,
        synthetic,
        groundTruth,
        mix,
        subjects,
        maxTokens,
        deadline,
        cancelShare,
        maxInFlight,
        newSeed);
  }

  /** The workload as a JSON tree (what summary.json records). */
  JsonNode toJson() {
    return JSON.valueToTree(this);
  }

  /**
   * Reads a workload: {@code flags} (every flag, defaults included, as a JSON tree) overlaid with
   * {@code file}'s keys except those in {@code explicit} (the flags given on the command line).
   */
  static Workload resolve(ObjectNode flags, @Nullable Path file, Set<String> explicit)
      throws IOException {
    ObjectNode merged = flags.deepCopy();
    if (file != null) {
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      ObjectMapper mapper = name.endsWith(".json") ? JSON : YAML;
      JsonNode tree = mapper.readTree(Files.readString(file));
      if (tree == null || !tree.isObject()) {
        throw new IllegalArgumentException(file + ": a workload file is a map of keys to values");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (!explicit.contains(field.getKey())) {
          merged.set(field.getKey(), field.getValue());
        }
      }
    }
    try {
      return JSON.treeToValue(merged, Workload.class);
    } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
      Throwable cause = e.getCause();
      String message =
          cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
      throw new IllegalArgumentException(
          (file == null ? "workload" : file.toString()) + ": " + message, e);
    }
  }

  /** The mapper that writes flags into a tree. */
  static ObjectMapper json() {
    return JSON;
  }
}
