package io.gcgserve.eval.data;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * A COCO image id as pycocotools sees it: a JSON number or a JSON string. {@code COCOeval} sorts
 * the image ids ({@code sorted(cocoGt.getImgIds())}) and ranks detections across images in that
 * order, so AP50 depends on it: numbers sort numerically ({@code 2 < 10}), strings by code point
 * ({@code "10" < "2"}), and a mix cannot be sorted (Python raises), so it is refused.
 *
 * @param number the id when it is a JSON number, else null
 * @param text the id when it is a JSON string, else null
 */
public record CocoImageId(@Nullable Long number, @Nullable String text)
    implements Comparable<CocoImageId> {

  /** Exactly one of the two. */
  public CocoImageId {
    if ((number == null) == (text == null)) {
      throw new IllegalArgumentException("an image id is either a number or a string");
    }
  }

  /** A numeric id. */
  public static CocoImageId of(long number) {
    return new CocoImageId(number, null);
  }

  /** A string id. */
  public static CocoImageId of(String text) {
    return new CocoImageId(null, Objects.requireNonNull(text, "text is null"));
  }

  /** Whether this id is a JSON number. */
  public boolean numeric() {
    return number != null;
  }

  /**
   * Python's order: numbers by value, strings by code point.
   *
   * @throws IllegalArgumentException when one is a number and the other a string
   */
  @Override
  public int compareTo(CocoImageId other) {
    Long mine = number;
    Long theirs = other.number;
    if (mine != null && theirs != null) {
      return Long.compare(mine, theirs);
    }
    String myText = text;
    String theirText = other.text;
    if (myText != null && theirText != null) {
      return compareCodePoints(myText, theirText);
    }
    throw new IllegalArgumentException(
        "image ids mix numbers and strings ("
            + this
            + ", "
            + other
            + "); COCOeval cannot sort them");
  }

  /**
   * The order in which COCOeval ranks the images of a dataset: indices into {@code ids} sorted by
   * id (a stable sort, so equal ids keep their order).
   *
   * @throws IllegalArgumentException when the ids mix numbers and strings
   */
  public static int[] cocoOrder(List<CocoImageId> ids) {
    boolean anyNumber = ids.stream().anyMatch(CocoImageId::numeric);
    boolean anyText = ids.stream().anyMatch(id -> !id.numeric());
    if (anyNumber && anyText) {
      throw new IllegalArgumentException(
          "image ids mix numbers and strings; COCOeval cannot sort them");
    }
    return IntStream.range(0, ids.size())
        .boxed()
        .sorted(Comparator.comparing(ids::get))
        .mapToInt(Integer::intValue)
        .toArray();
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  @Override
  public String toString() {
    return number != null ? number.toString() : '"' + text + '"';
  }
}
