package io.gcgserve.server.accesslog;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One line of the access log: what one Caption request asked for, what the server did and how long
 * it took, whatever its status. The server writes it ({@code --access-log}); {@code gcg-ab report}
 * reads it. Fields a request never reached (a request rejected before prefill has no visual tokens)
 * are absent from the line rather than zero. Field names are the JSON keys; the schema is
 * documented in server/README.md.
 *
 * @param schema the line format's version, {@value #SCHEMA}
 * @param requestId the id also sent in the {@code gcg-request-id} header and trailer
 * @param time when the request ended, ISO-8601 UTC
 * @param peer the client's address as the transport saw it
 * @param experiment the experiment that chose the pruner, absent without one
 * @param arm the arm that chose the pruner
 * @param armShare the arm's configured share of traffic (weight over the experiment's total)
 * @param armIndex the arm's position in the experiments file, 0 for the first arm: the control
 * @param assignment {@code hashed} (from subject_key) or {@code random} (no subject_key)
 * @param pruner the pruner's registry name, {@code unknown} when the request named none known
 * @param prunerParams the pruner's parameters as name → text, as the factory received them
 * @param imageSha256 SHA-256 of the request's image bytes, lowercase hex
 * @param visualTokensTotal visual tokens the vision encoder produced
 * @param visualTokensKept visual tokens that reached the last LLM layer
 * @param flopsRatio prefill FLOPs over the unpruned prefill (paper Eq. 5)
 * @param queueMs admission to the start of prefill
 * @param prefillMs vision encoding, pruning and LLM prefill
 * @param decodeMs the decode loop
 * @param ttftMs admission to the first caption token
 * @param totalMs admission to the end of the call, whatever its status
 * @param tokens tokens generated
 * @param phrases grounded phrases sent
 * @param status the final gRPC status code name ({@code OK}, {@code CANCELLED}, ...)
 * @param finishReason why generation stopped, for requests that finished
 * @param caption the caption with its grounding markers, only with {@code --access-log-captions}
 * @param masks each grounded phrase's mask, only with {@code --access-log-captions}
 * @param budget what a budget (the request's or {@code --ttft-slo-ms}) chose and how it went,
 *     absent without one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AccessLogEntry(
    @JsonProperty("schema") int schema,
    @JsonProperty("request_id") String requestId,
    @JsonProperty("time") String time,
    @JsonProperty("peer") String peer,
    @JsonProperty("experiment") @Nullable String experiment,
    @JsonProperty("arm") @Nullable String arm,
    @JsonProperty("arm_share") @Nullable Double armShare,
    @JsonProperty("arm_index") @Nullable Integer armIndex,
    @JsonProperty("assignment") @Nullable String assignment,
    @JsonProperty("pruner") String pruner,
    @JsonProperty("pruner_params") Map<String, String> prunerParams,
    @JsonProperty("image_sha256") @Nullable String imageSha256,
    @JsonProperty("visual_tokens_total") @Nullable Integer visualTokensTotal,
    @JsonProperty("visual_tokens_kept") @Nullable Integer visualTokensKept,
    @JsonProperty("flops_ratio") @Nullable Double flopsRatio,
    @JsonProperty("queue_ms") @Nullable Double queueMs,
    @JsonProperty("prefill_ms") @Nullable Double prefillMs,
    @JsonProperty("decode_ms") @Nullable Double decodeMs,
    @JsonProperty("ttft_ms") @Nullable Double ttftMs,
    @JsonProperty("total_ms") double totalMs,
    @JsonProperty("tokens") int tokens,
    @JsonProperty("phrases") int phrases,
    @JsonProperty("status") String status,
    @JsonProperty("finish_reason") @Nullable String finishReason,
    @JsonProperty("caption") @Nullable String caption,
    @JsonProperty("masks") @Nullable List<PhraseMask> masks,
    @JsonProperty("budget") @Nullable BudgetEntry budget) {

  /** The line format's version; a reader refuses lines of a newer one. */
  public static final int SCHEMA = 1;

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  /** Checks the fields every line has; copies the collections. */
  public AccessLogEntry {
    requireNonNull(requestId, "requestId is null");
    requireNonNull(time, "time is null");
    requireNonNull(peer, "peer is null");
    requireNonNull(pruner, "pruner is null");
    requireNonNull(status, "status is null");
    prunerParams = prunerParams == null ? Map.of() : Map.copyOf(prunerParams);
    masks = masks == null ? null : List.copyOf(masks);
  }

  /**
   * One grounded phrase's mask as COCO compressed RLE (pycocotools' {@code size} and {@code
   * counts}).
   *
   * @param phrase the phrase text
   * @param size {@code [height, width]}
   * @param counts the compressed RLE string
   */
  public record PhraseMask(
      @JsonProperty("phrase") String phrase,
      @JsonProperty("size") List<Integer> size,
      @JsonProperty("counts") String counts) {

    /** Checks and copies. */
    public PhraseMask {
      requireNonNull(phrase, "phrase is null");
      requireNonNull(counts, "counts is null");
      size = List.copyOf(size);
      if (size.size() != 2) {
        throw new IllegalArgumentException("size must be [height, width], got " + size);
      }
    }
  }

  /**
   * A budget's part of the line.
   *
   * @param kind {@code flops_ratio}, {@code visual_tokens}, {@code ttft} or {@code server_ttft_slo}
   * @param limit the ratio, token count or milliseconds
   * @param onMiss {@code best_effort} or {@code reject}
   * @param keepRatio visual tokens kept at the last layer over the total, as chosen
   * @param predictedTtftMs the predicted time to first token of the chosen setting
   * @param predictedQueueMs the part of it for work ahead and the residual
   * @param bestEffort nothing was predicted to fit; the cheapest setting ran
   * @param outcome {@code met}, {@code missed} (both for finished requests) or {@code rejected};
   *     absent for requests that ended otherwise
   */
  public record BudgetEntry(
      @JsonProperty("kind") String kind,
      @JsonProperty("limit") double limit,
      @JsonProperty("on_miss") String onMiss,
      @JsonProperty("keep_ratio") @Nullable Double keepRatio,
      @JsonProperty("predicted_ttft_ms") @Nullable Double predictedTtftMs,
      @JsonProperty("predicted_queue_ms") @Nullable Double predictedQueueMs,
      @JsonProperty("best_effort") @Nullable Boolean bestEffort,
      @JsonProperty("outcome") @Nullable String outcome) {

    /** Checks. */
    public BudgetEntry {
      requireNonNull(kind, "kind is null");
      requireNonNull(onMiss, "onMiss is null");
    }
  }

  /** The entry as one JSON line, without the line break. */
  public String toJsonLine() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an access log entry did not serialize", e);
    }
  }

  /**
   * Parses one line of the log.
   *
   * @throws IllegalArgumentException naming what is wrong when the line is not an entry of a schema
   *     this build reads
   */
  public static AccessLogEntry parse(String line) {
    AccessLogEntry entry;
    try {
      entry = JSON.readValue(line, AccessLogEntry.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not an access log line: " + e.getOriginalMessage(), e);
    }
    if (entry.schema() < 1 || entry.schema() > SCHEMA) {
      throw new IllegalArgumentException(
          "access log schema "
              + entry.schema()
              + " is not one this build reads (1.."
              + SCHEMA
              + ")");
    }
    return entry;
  }
}
