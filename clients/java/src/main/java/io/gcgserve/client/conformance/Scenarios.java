package io.gcgserve.client.conformance;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.gcgserve.client.CaptionStream;
import io.gcgserve.client.GcgClient;
import io.gcgserve.client.ProtoMasks;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.Finished;
import io.gcgserve.proto.v1.GroundedPhrase;
import io.gcgserve.proto.v1.ParameterDescription;
import io.gcgserve.proto.v1.PrunerDescription;
import io.gcgserve.proto.v1.Started;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** One method per scenario kind; each returns the observation other clients must match. */
final class Scenarios {

  /** A scenario whose expectation was not met. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message);
    }
  }

  private final GcgClient client;
  private final HeaderCapture headers;
  private final byte[] image;
  private final String metricsUrl;
  private final HttpClient http = HttpClient.newHttpClient();

  Scenarios(GcgClient client, HeaderCapture headers, byte[] image, String metricsUrl) {
    this.client = client;
    this.headers = headers;
    this.image = image.clone();
    this.metricsUrl = metricsUrl;
  }

  JsonObject run(JsonObject scenario) throws Failure {
    String kind = scenario.get("kind").getAsString();
    return switch (kind) {
      case "caption" -> caption(scenario);
      case "list_pruners" -> listPruners(scenario);
      case "cancel_after_first_phrase" -> cancel(scenario);
      case "arms" -> arms(scenario);
      default -> throw new Failure("unknown scenario kind " + kind);
    };
  }

  private static void check(boolean condition, String what) throws Failure {
    if (!condition) {
      throw new Failure(what);
    }
  }

  private static Duration deadline(JsonObject scenario) {
    return Duration.ofMillis(scenario.get("deadline_ms").getAsLong());
  }

  private CaptionRequest request(JsonObject scenario) throws Failure {
    CaptionRequest.Builder request = CaptionRequest.newBuilder();
    try {
      JsonElement spec = scenario.get("request");
      JsonFormat.parser().merge(spec == null ? "{}" : spec.toString(), request);
    } catch (InvalidProtocolBufferException e) {
      throw new Failure("the scenario's request is not a CaptionRequest: " + e.getMessage());
    }
    if (scenario.has("image_text")) {
      return request
          .setImage(ByteString.copyFromUtf8(scenario.get("image_text").getAsString()))
          .build();
    }
    return request.setImage(ByteString.copyFrom(image)).build();
  }

  private static JsonObject error(StatusRuntimeException e) {
    JsonObject observation = new JsonObject();
    observation.addProperty("status", e.getStatus().getCode().name());
    observation.addProperty(
        "message", Objects.requireNonNullElse(e.getStatus().getDescription(), ""));
    return observation;
  }

  /** Reads a whole caption into its observation (or the status it failed with). */
  private JsonObject observeCaption(CaptionRequest request, Duration deadline) throws Failure {
    Started started = null;
    Finished finished = null;
    StringBuilder text = new StringBuilder();
    JsonArray phrases = new JsonArray();
    try (CaptionStream events = client.caption(request, deadline)) {
      while (events.hasNext()) {
        CaptionEvent event = events.next();
        switch (event.getEventCase()) {
          case STARTED -> started = event.getStarted();
          case TEXT_DELTA -> text.append(event.getTextDelta().getText());
          case GROUNDED_PHRASE -> phrases.add(phrase(event.getGroundedPhrase()));
          case FINISHED -> finished = event.getFinished();
          case EVENT_NOT_SET -> {}
        }
      }
    } catch (StatusRuntimeException e) {
      return error(e);
    }
    if (started == null || finished == null) {
      throw new Failure(started == null ? "no Started event" : "no Finished event");
    }
    JsonObject observation = new JsonObject();
    observation.addProperty("status", "OK");
    observation.addProperty("pruner", started.getPruner());
    observation.addProperty("arm", started.getArm());
    observation.addProperty("visual_tokens_kept", started.getVisualTokensKept());
    observation.addProperty("flops_ratio_ppm", Math.round(started.getFlopsRatio() * 1e6));
    observation.addProperty("budget_kind", started.getBudget().getKind().name());
    observation.addProperty("started_budget_outcome", started.getBudget().getOutcome().name());
    observation.addProperty("caption", text.toString());
    observation.add("phrases", phrases);
    observation.addProperty("finish_reason", finished.getFinishReason().name());
    observation.addProperty("generated_tokens", finished.getGeneratedTokens());
    observation.addProperty("finished_budget_outcome", finished.getBudgetOutcome().name());
    return observation;
  }

  private static JsonObject phrase(GroundedPhrase phrase) throws Failure {
    BinaryMask mask;
    try {
      mask = ProtoMasks.decode(phrase.getMask());
    } catch (IllegalArgumentException e) {
      throw new Failure("mask of " + phrase.getPhrase() + ": " + e.getMessage());
    }
    int[] bbox = phrase.getMask().getBboxList().stream().mapToInt(Integer::intValue).toArray();
    check(
        Arrays.equals(mask.bbox(), bbox),
        "mask of '"
            + phrase.getPhrase()
            + "': bbox "
            + Arrays.toString(bbox)
            + " but the decoded pixels span "
            + Arrays.toString(mask.bbox()));
    byte[] pixels = new byte[mask.width() * mask.height()];
    for (int i = mask.pixels().nextSetBit(0); i >= 0; i = mask.pixels().nextSetBit(i + 1)) {
      pixels[i] = 1;
    }
    JsonObject observation = new JsonObject();
    observation.addProperty("phrase", phrase.getPhrase());
    observation.addProperty("char_start", phrase.getCharStart());
    observation.addProperty("char_end", phrase.getCharEnd());
    JsonArray box = new JsonArray();
    Arrays.stream(bbox).forEach(box::add);
    observation.add("bbox", box);
    observation.addProperty("area", mask.area());
    observation.addProperty("pixels_sha256", sha256(pixels));
    return observation;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private JsonObject caption(JsonObject scenario) throws Failure {
    JsonObject expect = scenario.getAsJsonObject("expect");
    JsonObject obs = observeCaption(request(scenario), deadline(scenario));
    String status = obs.get("status").getAsString();
    check(
        status.equals(expect.get("status").getAsString()),
        "status " + status + " (" + text(obs, "message") + "), expected " + text(expect, "status"));
    if (expect.has("message_contains")) {
      check(
          text(obs, "message").contains(text(expect, "message_contains")),
          "message '"
              + text(obs, "message")
              + "' lacks '"
              + text(expect, "message_contains")
              + "'");
    }
    if (expect.has("pruner")) {
      check(text(obs, "pruner").equals(text(expect, "pruner")), "pruner " + text(obs, "pruner"));
    }
    if (expect.has("min_phrases")) {
      int phrases = obs.getAsJsonArray("phrases").size();
      check(phrases >= expect.get("min_phrases").getAsInt(), phrases + " phrases");
    }
    if (expect.has("budget_kind")) {
      for (String key :
          new String[] {"budget_kind", "started_budget_outcome", "finished_budget_outcome"}) {
        check(text(obs, key).equals(text(expect, key)), key + " " + text(obs, key));
      }
      check(
          obs.get("flops_ratio_ppm").getAsLong()
              <= expect.get("max_flops_ratio").getAsDouble() * 1e6,
          "FLOPs ratio over the budget: " + obs.get("flops_ratio_ppm").getAsLong() + " ppm");
    }
    return obs;
  }

  private static String text(JsonObject object, String key) {
    JsonElement value = object.get(key);
    return value == null ? "" : value.getAsString();
  }

  private JsonObject listPruners(JsonObject scenario) throws Failure {
    JsonArray pruners = new JsonArray();
    try {
      for (PrunerDescription d : client.listPruners(deadline(scenario)).getPrunersList()) {
        JsonObject pruner = new JsonObject();
        pruner.addProperty("name", d.getName());
        pruner.addProperty("built_in", d.getBuiltIn());
        JsonArray parameters = new JsonArray();
        d.getParametersList().stream().map(ParameterDescription::getName).forEach(parameters::add);
        pruner.add("parameters", parameters);
        pruners.add(pruner);
      }
    } catch (StatusRuntimeException e) {
      throw new Failure("ListPruners failed: " + e.getStatus());
    }
    for (JsonElement name : scenario.getAsJsonObject("expect").getAsJsonArray("includes")) {
      boolean found = false;
      for (JsonElement p : pruners) {
        found |= text(p.getAsJsonObject(), "name").equals(name.getAsString());
      }
      check(found, "ListPruners lacks " + name.getAsString());
    }
    JsonObject obs = new JsonObject();
    obs.addProperty("status", "OK");
    obs.add("pruners", pruners);
    return obs;
  }

  private double requestsWithStatus(String status) throws Failure {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(metricsUrl))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      double total = 0;
      for (String line : response.body().split("\n")) {
        if (line.startsWith("gcg_requests_total{") && line.contains("status=\"" + status + "\"")) {
          total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return total;
    } catch (IOException e) {
      throw new Failure("cannot read " + metricsUrl + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted while reading the metrics");
    }
  }

  private JsonObject cancel(JsonObject scenario) throws Failure {
    JsonObject expect = scenario.getAsJsonObject("expect");
    String serverStatus = text(expect, "server_status");
    double before = requestsWithStatus(serverStatus);
    String status = "OK";
    try (CaptionStream events = client.caption(request(scenario), deadline(scenario))) {
      while (events.hasNext()) {
        CaptionEvent event = events.next();
        check(!event.hasFinished(), "the stream finished before a phrase");
        if (event.hasGroundedPhrase()) {
          events.close();
        }
      }
    } catch (StatusRuntimeException e) {
      status = e.getStatus().getCode().name();
    }
    check(status.equals(text(expect, "status")), "client status " + status);
    double seen = before;
    for (int i = 0; i < 100 && seen <= before; i++) {
      sleep();
      seen = requestsWithStatus(serverStatus);
    }
    check(
        seen > before,
        "the server did not count a "
            + serverStatus
            + " request (gcg_requests_total stayed at "
            + before
            + ")");
    JsonObject obs = new JsonObject();
    obs.addProperty("status", status);
    return obs;
  }

  private static void sleep() throws Failure {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted");
    }
  }

  private JsonObject arms(JsonObject scenario) throws Failure {
    JsonObject expect = scenario.getAsJsonObject("expect");
    JsonObject arms = new JsonObject();
    for (JsonElement key : scenario.getAsJsonArray("subject_keys")) {
      String subject = key.getAsString();
      CaptionRequest request = request(scenario).toBuilder().setSubjectKey(subject).build();
      Started started = null;
      try (CaptionStream events = client.caption(request, deadline(scenario))) {
        while (events.hasNext()) {
          CaptionEvent event = events.next();
          if (event.hasStarted()) {
            started = event.getStarted();
          }
        }
      } catch (StatusRuntimeException e) {
        throw new Failure("subject " + subject + ": " + e.getStatus());
      }
      if (started == null) {
        throw new Failure("subject " + subject + ": no Started");
      }
      checkArm(expect, subject, started, headers.get("gcg-arm"));
      arms.addProperty(subject, started.getArm());
    }
    JsonObject obs = new JsonObject();
    obs.addProperty("status", "OK");
    obs.add("arms", arms);
    return obs;
  }

  private static void checkArm(
      JsonObject expect, String subject, Started started, @Nullable String header) throws Failure {
    boolean known = false;
    for (JsonElement arm : expect.getAsJsonArray("arms")) {
      known |= arm.getAsString().equals(started.getArm());
    }
    check(known, "subject " + subject + ": arm '" + started.getArm() + "' is not expected");
    check(
        started.getArm().equals(header),
        "subject " + subject + ": header gcg-arm " + header + ", Started.arm " + started.getArm());
    check(
        started.getExperiment().equals(text(expect, "experiment")),
        "subject " + subject + ": experiment " + started.getExperiment());
    check(
        started.getAssignment().name().equals(text(expect, "assignment")),
        "subject " + subject + ": assignment " + started.getAssignment());
  }
}
