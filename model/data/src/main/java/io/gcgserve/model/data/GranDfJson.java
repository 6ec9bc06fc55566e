package io.gcgserve.model.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gcgserve.model.BinaryMask;
import io.gcgserve.model.mask.CocoRle;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes GranDf GCG annotation files: a JSON array with one object per image, {@code
 * {file_name, height, width, caption, groundings: {phrase: {token_positives: [start, end],
 * rle_masks: [{size: [h, w], counts: "..."}]}}}}, masks as pycocotools compressed RLE.
 *
 * <p>GranDf keys groundings by phrase text ({@code caption[start:end] == phrase}), so one caption
 * cannot hold the same phrase twice; our generator never emits a repeated phrase and {@link #write}
 * rejects records that do. On reading, several {@code rle_masks} of one phrase are merged into one
 * mask (as GLaMM's loaders do), and uncompressed RLE ({@code counts} as a number array) is accepted
 * too.
 */
public final class GranDfJson {

  private static final Gson GSON =
      new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

  private GranDfJson() {}

  /**
   * Writes {@code records} to {@code file} as one JSON array, groundings in caption order; the
   * output depends only on the records, so equal records give byte-identical files.
   *
   * @throws IllegalArgumentException when a record repeats a phrase
   */
  public static void write(Path file, List<GranDfRecord> records) throws IOException {
    JsonArray array = new JsonArray();
    for (GranDfRecord record : records) {
      array.add(toJson(record));
    }
    try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      GSON.toJson(array, writer);
      writer.write('\n');
    }
  }

  /** One record as a GranDf JSON object. */
  public static JsonObject toJson(GranDfRecord record) {
    JsonObject object = new JsonObject();
    object.addProperty("file_name", record.fileName());
    object.addProperty("height", record.height());
    object.addProperty("width", record.width());
    object.addProperty("caption", record.caption());
    JsonObject groundings = new JsonObject();
    for (Grounding grounding : record.groundings()) {
      if (groundings.has(grounding.phrase())) {
        throw new IllegalArgumentException(
            "phrase '"
                + grounding.phrase()
                + "' occurs twice in the caption of "
                + record.fileName()
                + "; GranDf keys groundings by phrase text");
      }
      JsonObject entry = new JsonObject();
      JsonArray positives = new JsonArray();
      positives.add(grounding.start());
      positives.add(grounding.end());
      entry.add("token_positives", positives);
      JsonArray masks = new JsonArray();
      masks.add(rleJson(CocoRle.encode(grounding.mask())));
      entry.add("rle_masks", masks);
      groundings.add(grounding.phrase(), entry);
    }
    object.add("groundings", groundings);
    return object;
  }

  /** A COCO RLE as {@code {size: [h, w], counts: "<compressed>"}}. */
  public static JsonObject rleJson(CocoRle rle) {
    JsonObject object = new JsonObject();
    JsonArray size = new JsonArray();
    size.add(rle.height());
    size.add(rle.width());
    object.add("size", size);
    object.addProperty("counts", rle.toCompressedString());
    return object;
  }

  /**
   * Parses a COCO RLE object, compressed ({@code counts} a string) or not ({@code counts} an array
   * of run lengths).
   *
   * @throws IllegalArgumentException when the object is malformed
   */
  public static CocoRle parseRle(JsonObject object) {
    JsonArray size = object.getAsJsonArray("size");
    if (size == null || size.size() != 2 || !object.has("counts")) {
      throw new IllegalArgumentException("RLE needs size [h, w] and counts");
    }
    int height = size.get(0).getAsInt();
    int width = size.get(1).getAsInt();
    JsonElement counts = object.get("counts");
    if (counts.isJsonPrimitive()) {
      return CocoRle.fromCompressedString(height, width, counts.getAsString());
    }
    JsonArray runs = counts.getAsJsonArray();
    long[] values = new long[runs.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = runs.get(i).getAsLong();
    }
    return new CocoRle(height, width, values);
  }

  /**
   * Reads a GranDf annotation file.
   *
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException naming the record when the JSON is not in GranDf form
   */
  public static List<GranDfRecord> read(Path file) throws IOException {
    JsonElement root;
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      root = JsonParser.parseReader(reader);
    }
    if (!root.isJsonArray()) {
      throw new IllegalArgumentException(file + " is not a JSON array of GranDf records");
    }
    List<GranDfRecord> records = new ArrayList<>();
    Set<String> fileNames = new HashSet<>();
    for (JsonElement element : root.getAsJsonArray()) {
      GranDfRecord record = fromJson(element.getAsJsonObject());
      if (!fileNames.add(record.fileName())) {
        throw new IllegalArgumentException(file + " lists " + record.fileName() + " twice");
      }
      records.add(record);
    }
    return records;
  }

  /** Parses one GranDf record; its groundings come back sorted by start offset. */
  public static GranDfRecord fromJson(JsonObject object) {
    String fileName = object.get("file_name").getAsString();
    try {
      int height = object.get("height").getAsInt();
      int width = object.get("width").getAsInt();
      String caption = object.get("caption").getAsString();
      List<Grounding> groundings = new ArrayList<>();
      JsonObject entries = object.getAsJsonObject("groundings");
      for (Map.Entry<String, JsonElement> entry : entries.entrySet()) {
        JsonObject value = entry.getValue().getAsJsonObject();
        JsonArray positives = value.getAsJsonArray("token_positives");
        int start = positives.get(0).getAsInt();
        int end = positives.get(1).getAsInt();
        if (start < 0 || end > caption.length() || start >= end) {
          throw new IllegalArgumentException(
              "phrase '" + entry.getKey() + "' has span [" + start + ", " + end + ") outside");
        }
        BitSet pixels = new BitSet(width * height);
        for (JsonElement mask : value.getAsJsonArray("rle_masks")) {
          CocoRle rle = parseRle(mask.getAsJsonObject());
          if (rle.height() != height || rle.width() != width) {
            throw new IllegalArgumentException(
                "mask of '" + entry.getKey() + "' is not " + height + "x" + width);
          }
          pixels.or(rle.decode(1f).pixels());
        }
        groundings.add(
            new Grounding(entry.getKey(), start, end, new BinaryMask(width, height, pixels, 1f)));
      }
      groundings.sort(Comparator.comparingInt(Grounding::start));
      return new GranDfRecord(fileName, width, height, caption, groundings);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "GranDf record " + fileName + " is malformed: " + e.getMessage(), e);
    }
  }
}
