package io.gcgserve.eval.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.gcgserve.eval.metrics.LabeledMask;
import io.gcgserve.model.image.ImageFiles;
import io.gcgserve.model.mask.CocoRle;
import io.gcgserve.pruners.ImageRgb;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * GranDf's evaluation ground truth as GLaMM publishes it for the val and test splits: {@code
 * SPLIT_gcg_coco_mask_gt.json} (COCO instances: {@code images}, {@code annotations} with RLE {@code
 * segmentation}, {@code image_id}, {@code category_id} 1) and {@code
 * SPLIT_gcg_coco_caption_gt.json} (COCO captions: {@code images}, {@code annotations} with {@code
 * image_id}, {@code caption} and {@code labels}, the grounded phrases).
 *
 * <p>Read as GLaMM's {@code eval/gcg/evaluate.py} reads them: the images are the caption file's
 * {@code images}, in file order; an image's caption is its first caption annotation; its reference
 * masks are its mask annotations in file order, and phrase {@code i} of {@code labels} belongs to
 * mask {@code i} (GLaMM's recall pairs them by index). The image file is {@code file_name} when the
 * caption file gives one, else {@code ID.jpg}, under the image folder.
 *
 * <p>Refused with a message naming the image: masks whose RLE size differs from the image's, a
 * phrase count different from the mask count, crowd annotations ({@code iscrowd} 1) and categories
 * other than 1 (GLaMM evaluates category 1 only), polygon segmentations, and image ids that mix
 * numbers and strings (COCOeval could not sort them).
 */
public final class GranDfCocoEvalDataset implements EvalDataset {

  /** Suffix of the mask ground truth: {@code val_gcg_coco_mask_gt.json}. */
  public static final String MASK_SUFFIX = "_gcg_coco_mask_gt.json";

  /** Suffix of the caption ground truth: {@code val_gcg_coco_caption_gt.json}. */
  public static final String CAPTION_SUFFIX = "_gcg_coco_caption_gt.json";

  private record Entry(
      CocoImageId id,
      String fileName,
      int height,
      int width,
      String caption,
      List<String> labels,
      List<CocoRle> masks) {}

  private final String description;
  private final Path imageDirectory;
  private final List<Entry> entries;

  private GranDfCocoEvalDataset(String description, Path imageDirectory, List<Entry> entries) {
    this.description = description;
    this.imageDirectory = imageDirectory;
    this.entries = List.copyOf(entries);
  }

  /** Whether {@code directory} holds a COCO-format ground truth pair. */
  public static boolean present(Path directory) throws IOException {
    return !splits(directory).isEmpty();
  }

  /**
   * Opens the pair of {@code split} (e.g. {@code val}; null: the only split in {@code directory})
   * with images from {@code images} (null: {@code directory/images} if it exists, else {@code
   * directory}), keeping the first {@code limit} images.
   *
   * @throws IOException when the files are missing, ambiguous, unreadable or malformed
   */
  public static GranDfCocoEvalDataset open(
      Path directory, @Nullable String split, @Nullable Path images, int limit) throws IOException {
    List<String> splits = splits(directory);
    String chosen = split;
    if (chosen == null) {
      if (splits.size() != 1) {
        throw new IOException(
            directory
                + " holds the COCO ground truth of "
                + (splits.isEmpty() ? "no split" : "splits " + splits)
                + "; name one with --split");
      }
      chosen = splits.get(0);
    } else if (!splits.contains(chosen)) {
      throw new IOException(
          directory + " has no " + chosen + MASK_SUFFIX + " and " + chosen + CAPTION_SUFFIX);
    }
    Path imageDirectory = images;
    if (imageDirectory == null) {
      Path folder = directory.resolve("images");
      imageDirectory = Files.isDirectory(folder) ? folder : directory;
    }
    return read(
        directory.resolve(chosen + MASK_SUFFIX),
        directory.resolve(chosen + CAPTION_SUFFIX),
        imageDirectory,
        limit);
  }

  /** Reads the two files; images are looked up under {@code imageDirectory}. */
  public static GranDfCocoEvalDataset read(
      Path maskFile, Path captionFile, Path imageDirectory, int limit) throws IOException {
    JsonObject masks = parse(maskFile);
    JsonObject captions = parse(captionFile);
    try {
      List<Entry> entries = entries(masks, captions, limit);
      return new GranDfCocoEvalDataset(
          "GranDf COCO ground truth " + captionFile.getFileName(), imageDirectory, entries);
    } catch (IllegalArgumentException | IllegalStateException | ClassCastException e) {
      throw new IOException(
          captionFile.getFileName() + " / " + maskFile.getFileName() + ": " + e.getMessage(), e);
    }
  }

  private static List<String> splits(Path directory) throws IOException {
    List<String> splits = new ArrayList<>();
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        if (name.endsWith(MASK_SUFFIX)) {
          String split = name.substring(0, name.length() - MASK_SUFFIX.length());
          if (Files.isRegularFile(directory.resolve(split + CAPTION_SUFFIX))) {
            splits.add(split);
          }
        }
      }
    }
    return splits;
  }

  private static JsonObject parse(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return JsonParser.parseReader(reader).getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw new IOException(file + " is not a COCO JSON object: " + e.getMessage(), e);
    }
  }

  private static List<Entry> entries(JsonObject maskRoot, JsonObject captionRoot, int limit) {
    Map<CocoImageId, JsonObject> maskImages = new HashMap<>();
    for (JsonElement image : array(maskRoot, "images")) {
      maskImages.put(imageId(image.getAsJsonObject(), "id"), image.getAsJsonObject());
    }
    Map<CocoImageId, List<JsonObject>> maskAnnotations = new HashMap<>();
    for (JsonElement element : array(maskRoot, "annotations")) {
      JsonObject annotation = element.getAsJsonObject();
      maskAnnotations
          .computeIfAbsent(imageId(annotation, "image_id"), id -> new ArrayList<>())
          .add(annotation);
    }
    Map<CocoImageId, JsonObject> captionAnnotations = new HashMap<>();
    for (JsonElement element : array(captionRoot, "annotations")) {
      JsonObject annotation = element.getAsJsonObject();
      captionAnnotations.putIfAbsent(imageId(annotation, "image_id"), annotation);
    }
    List<Entry> entries = new ArrayList<>();
    List<CocoImageId> ids = new ArrayList<>();
    for (JsonElement element : array(captionRoot, "images")) {
      JsonObject image = element.getAsJsonObject();
      CocoImageId id = imageId(image, "id");
      ids.add(id);
      if (entries.size() < limit) {
        entries.add(
            entry(
                id,
                image,
                maskImages.get(id),
                captionAnnotations.get(id),
                maskAnnotations.getOrDefault(id, List.of())));
      }
    }
    CocoImageId.cocoOrder(ids); // refuses a mix of numbers and strings
    return entries;
  }

  private static Entry entry(
      CocoImageId id,
      JsonObject captionImage,
      @Nullable JsonObject maskImage,
      @Nullable JsonObject captionAnnotation,
      List<JsonObject> maskAnnotations) {
    if (captionAnnotation == null) {
      throw new IllegalArgumentException("image " + id + " has no caption annotation");
    }
    JsonObject sized = maskImage != null ? maskImage : captionImage;
    int height = integer(sized, "height", id);
    int width = integer(sized, "width", id);
    String fileName =
        captionImage.has("file_name")
            ? captionImage.get("file_name").getAsString()
            : (id.numeric() ? id.number() : id.text()) + ".jpg";
    List<String> labels = new ArrayList<>();
    if (captionAnnotation.has("labels")) {
      for (JsonElement label : captionAnnotation.getAsJsonArray("labels")) {
        labels.add(label.getAsString());
      }
    }
    List<CocoRle> masks = new ArrayList<>();
    for (JsonObject annotation : maskAnnotations) {
      if (annotation.has("iscrowd") && annotation.get("iscrowd").getAsInt() != 0) {
        throw new IllegalArgumentException(
            "image " + id + " has a crowd annotation (iscrowd 1), which GCG does not use");
      }
      if (annotation.has("category_id") && annotation.get("category_id").getAsInt() != 1) {
        throw new IllegalArgumentException(
            "image "
                + id
                + " has category_id "
                + annotation.get("category_id")
                + "; GLaMM evaluates category 1 only");
      }
      masks.add(rle(annotation, id, height, width));
    }
    if (labels.size() != masks.size()) {
      throw new IllegalArgumentException(
          "image "
              + id
              + " has "
              + labels.size()
              + " labels but "
              + masks.size()
              + " mask annotations; GLaMM pairs them by index");
    }
    String caption = captionAnnotation.get("caption").getAsString();
    return new Entry(id, fileName, height, width, caption, labels, masks);
  }

  private static CocoRle rle(JsonObject annotation, CocoImageId id, int height, int width) {
    JsonElement segmentation = annotation.get("segmentation");
    if (segmentation == null || !segmentation.isJsonObject()) {
      throw new IllegalArgumentException(
          "image " + id + ": a mask annotation's segmentation is not RLE (polygons are not read)");
    }
    JsonObject object = segmentation.getAsJsonObject();
    JsonArray size = object.getAsJsonArray("size");
    int rleHeight = size.get(0).getAsInt();
    int rleWidth = size.get(1).getAsInt();
    if (rleHeight != height || rleWidth != width) {
      throw new IllegalArgumentException(
          "image "
              + id
              + " is "
              + height
              + "x"
              + width
              + " but a mask's RLE size is "
              + rleHeight
              + "x"
              + rleWidth);
    }
    JsonElement counts = object.get("counts");
    if (counts.isJsonPrimitive()) {
      return CocoRle.fromCompressedString(rleHeight, rleWidth, counts.getAsString());
    }
    JsonArray runs = counts.getAsJsonArray();
    long[] values = new long[runs.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = runs.get(i).getAsLong();
    }
    return new CocoRle(rleHeight, rleWidth, values);
  }

  private static JsonArray array(JsonObject root, String key) {
    JsonElement value = root.get(key);
    if (value == null || !value.isJsonArray()) {
      throw new IllegalArgumentException("no '" + key + "' array");
    }
    return value.getAsJsonArray();
  }

  private static CocoImageId imageId(JsonObject object, String key) {
    JsonElement value = object.get(key);
    if (value == null || !value.isJsonPrimitive()) {
      throw new IllegalArgumentException("an entry has no '" + key + "'");
    }
    JsonPrimitive primitive = value.getAsJsonPrimitive();
    if (primitive.isNumber()) {
      return CocoImageId.of(primitive.getAsLong());
    }
    return CocoImageId.of(primitive.getAsString());
  }

  private static int integer(JsonObject object, String key, CocoImageId id) {
    JsonElement value = object.get(key);
    if (value == null) {
      throw new IllegalArgumentException("image " + id + " has no '" + key + "'");
    }
    return value.getAsInt();
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public int size() {
    return entries.size();
  }

  @Override
  public String id(int index) {
    CocoImageId id = entries.get(index).id();
    return id.numeric() ? String.valueOf(id.number()) : String.valueOf(id.text());
  }

  @Override
  public CocoImageId cocoImageId(int index) {
    return entries.get(index).id();
  }

  @Override
  public GroundTruth truth(int index) {
    Entry entry = entries.get(index);
    List<LabeledMask> phrases = new ArrayList<>();
    for (int i = 0; i < entry.masks().size(); i++) {
      phrases.add(new LabeledMask(entry.labels().get(i), entry.masks().get(i).decode(1f).pixels()));
    }
    return new GroundTruth(entry.caption(), phrases);
  }

  /** The file image {@code index} is read from. */
  public Path imageFile(int index) {
    return imageDirectory.resolve(entries.get(index).fileName());
  }

  @Override
  public ImageRgb image(int index) throws IOException {
    Entry entry = entries.get(index);
    ImageRgb image = ImageFiles.read(imageFile(index));
    if (image.height() != entry.height() || image.width() != entry.width()) {
      throw new IOException(
          imageFile(index)
              + " is "
              + image.height()
              + "x"
              + image.width()
              + " but its ground truth says "
              + entry.height()
              + "x"
              + entry.width());
    }
    return image;
  }
}
