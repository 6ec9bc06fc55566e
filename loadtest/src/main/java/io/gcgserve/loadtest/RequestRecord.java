package io.gcgserve.loadtest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one request got, one line of {@code requests.jsonl}. Times are milliseconds; {@code
 * intended_ms} and {@code sent_ms} are after the run's start, every latency is given twice: from
 * the intended send time (coordinated-omission corrected, the unsuffixed name) and from the actual
 * send ({@code _sent}). In an open loop the two differ when the scheduler could not send on time
 * (the in-flight cap was reached, or the client was starved); in a closed loop they are equal.
 *
 * @param index position in the plan
 * @param config the mix entry's label
 * @param pruner the requested pruner ({@code exp:NAME} for an experiment)
 * @param keep the keep ratio: as requested, else as the server reported it, {@code -} when unknown
 * @param budget the budget tier, {@code none} without a budget
 * @param arm {@code Started.arm}, {@code none} without an experiment or before Started
 * @param subjectKey the subject key of an experiment request
 * @param image the image's file name
 * @param intendedMs intended send time
 * @param sentMs actual send time
 * @param status the final gRPC status code name
 * @param outcome {@code ok}, {@code cancelled} (by this client, as planned), {@code deadline} or
 *     {@code error} (any other status, or a stream that ended without Finished)
 * @param message the status description of a failed call
 * @param ttftMs intended send to first TextDelta
 * @param ttftSentMs actual send to first TextDelta
 * @param tfmMs intended send to first GroundedPhrase (first mask)
 * @param tfmSentMs actual send to first GroundedPhrase
 * @param e2eMs intended send to the end of the call
 * @param e2eSentMs actual send to the end of the call
 * @param itlMs every gap between consecutive TextDeltas
 * @param tpotMs (last − first TextDelta) / (tokens − 1)
 * @param tokens TextDeltas received
 * @param phrases GroundedPhrases received
 * @param server the server's own figures
 * @param good whether it met every SLO of the run (absent without --slo: then OK means good)
 * @param caption the caption received, markers included
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record RequestRecord(
    @JsonProperty("index") int index,
    @JsonProperty("config") String config,
    @JsonProperty("pruner") String pruner,
    @JsonProperty("keep") String keep,
    @JsonProperty("budget") String budget,
    @JsonProperty("arm") String arm,
    @JsonProperty("subject_key") @Nullable String subjectKey,
    @JsonProperty("image") String image,
    @JsonProperty("intended_ms") double intendedMs,
    @JsonProperty("sent_ms") double sentMs,
    @JsonProperty("status") String status,
    @JsonProperty("outcome") String outcome,
    @JsonProperty("message") @Nullable String message,
    @JsonProperty("ttft_ms") @Nullable Double ttftMs,
    @JsonProperty("ttft_sent_ms") @Nullable Double ttftSentMs,
    @JsonProperty("tfm_ms") @Nullable Double tfmMs,
    @JsonProperty("tfm_sent_ms") @Nullable Double tfmSentMs,
    @JsonProperty("e2e_ms") double e2eMs,
    @JsonProperty("e2e_sent_ms") double e2eSentMs,
    @JsonProperty("itl_ms") List<Double> itlMs,
    @JsonProperty("tpot_ms") @Nullable Double tpotMs,
    @JsonProperty("tokens") int tokens,
    @JsonProperty("phrases") int phrases,
    @JsonProperty("server") ServerFigures server,
    @JsonProperty("good") @Nullable Boolean good,
    @JsonProperty("caption") @Nullable String caption) {

  /** The outcome of a request that finished normally. */
  static final String OK = "ok";

  /** The outcome of a request this client cancelled as planned. */
  static final String CANCELLED = "cancelled";

  /** The outcome of a request whose deadline passed. */
  static final String DEADLINE = "deadline";

  /** The outcome of every other failure. */
  static final String ERROR = "error";

  /** Copies the gaps. */
  RequestRecord {
    itlMs = List.copyOf(itlMs);
  }

  /** True when the stream finished normally. */
  boolean ok() {
    return OK.equals(outcome);
  }

  /** True when it met the run's SLOs (OK, when the run had none). */
  boolean isGood() {
    return good == null ? ok() : good;
  }

  /** The same record judged against the run's SLOs. */
  RequestRecord withGood(boolean value) {
    return new RequestRecord(
        index,
        config,
        pruner,
        keep,
        budget,
        arm,
        subjectKey,
        image,
        intendedMs,
        sentMs,
        status,
        outcome,
        message,
        ttftMs,
        ttftSentMs,
        tfmMs,
        tfmSentMs,
        e2eMs,
        e2eSentMs,
        itlMs,
        tpotMs,
        tokens,
        phrases,
        server,
        value,
        caption);
  }

  /** The {@code percent}-th percentile of this stream's gaps (nearest rank), null without gaps. */
  @Nullable Double itlPercentile(double percent) {
    if (itlMs.isEmpty()) {
      return null;
    }
    double[] sorted = itlMs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int rank = (int) Math.ceil(percent / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
