package io.gcgserve.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gcgserve.model.mask.CocoRle;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checks AP50 and mIoU against figures computed by pycocotools 2.0.11 ({@code COCOeval(...,
 * "segm")}, {@code stats[1]}) and GLaMM's pairing code on 40 random images with jittered,
 * duplicated, missing and spurious masks ({@code pycocotools-fixture.json}, made once by a Python
 * script; masks are stored as pycocotools compressed RLE strings).
 */
class PycocotoolsAgreementTest {

  @Test
  void ap50AndMeanIouMatchPycocotoolsOnARandomFixture() throws Exception {
    JsonObject fixture;
    try (Reader reader =
        new InputStreamReader(
            getClass().getResourceAsStream("pycocotools-fixture.json"), StandardCharsets.UTF_8)) {
      fixture = JsonParser.parseReader(reader).getAsJsonObject();
    }
    int height = fixture.get("height").getAsInt();
    int width = fixture.get("width").getAsInt();
    List<ImageEvaluation> images = new ArrayList<>();
    for (JsonElement element : fixture.getAsJsonArray("images")) {
      JsonObject image = element.getAsJsonObject();
      images.add(
          new ImageEvaluation(
              "", "", masks(image, "gt", height, width), masks(image, "dt", height, width)));
    }
    assertThat(MaskAp.ap50(images)).isEqualTo(fixture.get("ap50").getAsDouble(), within(1e-12));
    assertThat(MeanIou.of(images)).isEqualTo(fixture.get("miou").getAsDouble(), within(1e-12));
  }

  private static List<LabeledMask> masks(JsonObject image, String key, int height, int width) {
    List<LabeledMask> masks = new ArrayList<>();
    for (JsonElement counts : image.getAsJsonArray(key)) {
      CocoRle rle = CocoRle.fromCompressedString(height, width, counts.getAsString());
      masks.add(new LabeledMask("object", rle.decode(1f).pixels()));
    }
    return masks;
  }
}
