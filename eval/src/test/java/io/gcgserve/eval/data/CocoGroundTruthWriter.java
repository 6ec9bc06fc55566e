package io.gcgserve.eval.data;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.gcgserve.model.data.Grounding;
import io.gcgserve.model.data.Scene;
import io.gcgserve.model.image.ImageFiles;
import io.gcgserve.model.mask.CocoRle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes scenes as GranDf's COCO-format evaluation ground truth ({@code
 * SPLIT_gcg_coco_mask_gt.json} and {@code SPLIT_gcg_coco_caption_gt.json}, string image ids, PNG
 * images beside them), the layout GLaMM's evaluation script reads; for the round-trip test of
 * {@link GranDfCocoEvalDataset}.
 */
final class CocoGroundTruthWriter {

  private CocoGroundTruthWriter() {}

  /** Writes {@code scenes} as split {@code split} into {@code directory}, ids {@code stems}. */
  static void write(Path directory, String split, List<String> stems, List<Scene> scenes)
      throws IOException {
    JsonArray images = new JsonArray();
    JsonArray masks = new JsonArray();
    JsonArray captions = new JsonArray();
    int maskId = 1;
    for (int i = 0; i < scenes.size(); i++) {
      Scene scene = scenes.get(i);
      String stem = stems.get(i);
      ImageFiles.writePng(scene.image(), directory.resolve(stem + ".png"));
      JsonObject image = new JsonObject();
      image.addProperty("id", stem);
      image.addProperty("file_name", stem + ".png");
      image.addProperty("height", scene.image().height());
      image.addProperty("width", scene.image().width());
      images.add(image);
      JsonArray labels = new JsonArray();
      for (Grounding grounding : scene.groundings()) {
        labels.add(grounding.phrase());
        CocoRle rle = CocoRle.encode(grounding.mask());
        JsonObject segmentation = new JsonObject();
        JsonArray size = new JsonArray();
        size.add(rle.height());
        size.add(rle.width());
        segmentation.add("size", size);
        segmentation.addProperty("counts", rle.toCompressedString());
        JsonObject annotation = new JsonObject();
        annotation.addProperty("id", maskId++);
        annotation.addProperty("image_id", stem);
        annotation.addProperty("category_id", 1);
        annotation.addProperty("iscrowd", 0);
        annotation.addProperty("area", rle.area());
        annotation.add("segmentation", segmentation);
        masks.add(annotation);
      }
      JsonObject caption = new JsonObject();
      caption.addProperty("id", i + 1);
      caption.addProperty("image_id", stem);
      caption.addProperty("caption", scene.plainCaption());
      caption.add("labels", labels);
      captions.add(caption);
    }
    JsonObject category = new JsonObject();
    category.addProperty("id", 1);
    category.addProperty("name", "object");
    JsonArray categories = new JsonArray();
    categories.add(category);
    JsonObject maskRoot = new JsonObject();
    maskRoot.add("images", images);
    maskRoot.add("annotations", masks);
    maskRoot.add("categories", categories);
    JsonObject captionRoot = new JsonObject();
    captionRoot.add("images", images);
    captionRoot.add("annotations", captions);
    write(directory.resolve(split + GranDfCocoEvalDataset.MASK_SUFFIX), maskRoot);
    write(directory.resolve(split + GranDfCocoEvalDataset.CAPTION_SUFFIX), captionRoot);
  }

  private static void write(Path file, JsonObject root) throws IOException {
    Files.writeString(
        file, new GsonBuilder().setPrettyPrinting().create().toJson(root), StandardCharsets.UTF_8);
  }
}
