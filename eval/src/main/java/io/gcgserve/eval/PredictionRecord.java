package io.gcgserve.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.gcgserve.eval.metrics.LabeledMask;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.data.GranDfJson;
import io.gcgserve.model.mask.CocoRle;
import java.util.ArrayList;
import java.util.List;

/**
 * What one configuration produced for one image: enough to recompute every metric later (so a
 * resumed run scores exactly as an uninterrupted one), stored as one JSON line.
 *
 * @param configuration configuration id
 * @param image image id
 * @param caption generated caption with GCG markers
 * @param phrases generated phrases and masks
 * @param width mask width
 * @param height mask height
 * @param flopsRatio Eq. 5 FLOPs ratio of this prefill
 * @param visualTokensKept visual tokens that reached the last layer
 * @param prefillMillis vision encoding + LLM prefill wall time
 * @param decodeMillis decode loop wall time
 * @param generatedTokens tokens generated
 */
public record PredictionRecord(
    String configuration,
    String image,
    String caption,
    List<LabeledMask> phrases,
    int width,
    int height,
    double flopsRatio,
    int visualTokensKept,
    double prefillMillis,
    double decodeMillis,
    int generatedTokens) {

  /** Defensive copy. */
  public PredictionRecord {
    phrases = List.copyOf(phrases);
  }

  /** One JSON object, masks as pycocotools compressed RLE. */
  public JsonObject toJson() {
    JsonObject object = new JsonObject();
    object.addProperty("configuration", configuration);
    object.addProperty("image", image);
    object.addProperty("caption", caption);
    object.addProperty("width", width);
    object.addProperty("height", height);
    JsonArray array = new JsonArray();
    for (LabeledMask phrase : phrases) {
      JsonObject entry = new JsonObject();
      entry.addProperty("phrase", phrase.phrase());
      entry.add(
          "mask",
          GranDfJson.rleJson(CocoRle.encode(new BinaryMask(width, height, phrase.pixels(), 1f))));
      array.add(entry);
    }
    object.add("phrases", array);
    object.addProperty("flops_ratio", flopsRatio);
    object.addProperty("visual_tokens_kept", visualTokensKept);
    object.addProperty("prefill_millis", prefillMillis);
    object.addProperty("decode_millis", decodeMillis);
    object.addProperty("generated_tokens", generatedTokens);
    return object;
  }

  /** Parses {@link #toJson()}'s output. */
  public static PredictionRecord fromJson(JsonObject object) {
    List<LabeledMask> phrases = new ArrayList<>();
    for (JsonElement element : object.getAsJsonArray("phrases")) {
      JsonObject entry = element.getAsJsonObject();
      CocoRle rle = GranDfJson.parseRle(entry.getAsJsonObject("mask"));
      phrases.add(new LabeledMask(entry.get("phrase").getAsString(), rle.decode(1f).pixels()));
    }
    return new PredictionRecord(
        object.get("configuration").getAsString(),
        object.get("image").getAsString(),
        object.get("caption").getAsString(),
        phrases,
        object.get("width").getAsInt(),
        object.get("height").getAsInt(),
        object.get("flops_ratio").getAsDouble(),
        object.get("visual_tokens_kept").getAsInt(),
        object.get("prefill_millis").getAsDouble(),
        object.get("decode_millis").getAsDouble(),
        object.get("generated_tokens").getAsInt());
  }
}
