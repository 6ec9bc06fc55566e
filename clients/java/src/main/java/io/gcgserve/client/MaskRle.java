package io.gcgserve.client;

import io.gcgserve.proto.v1.Mask;

/**
 * Decodes the COCO RLE of a {@link Mask} (pycocotools' compressed counts string) into a row-major
 * boolean grid, so clients can draw or measure masks without a COCO library.
 */
public final class MaskRle {

  private MaskRle() {}

  /**
   * The mask as {@code [height * width]} row-major booleans.
   *
   * @throws IllegalArgumentException when the string is malformed or does not cover the mask
   */
  public static boolean[] decode(Mask mask) {
    if (mask.getSizeCount() != 2) {
      throw new IllegalArgumentException("mask size must be [height, width]");
    }
    int height = mask.getSize(0);
    int width = mask.getSize(1);
    long[] counts = counts(mask.getRleCounts());
    boolean[] pixels = new boolean[height * width];
    long position = 0;
    boolean value = false;
    long total = (long) height * width;
    for (long count : counts) {
      if (count < 0 || position + count > total) {
        throw new IllegalArgumentException(
            "RLE runs do not fit a " + height + "x" + width + " mask");
      }
      if (value) {
        for (long p = position; p < position + count; p++) {
          // COCO runs go down columns first
          int x = (int) (p / height);
          int y = (int) (p % height);
          pixels[y * width + x] = true;
        }
      }
      position += count;
      value = !value;
    }
    if (position != total) {
      throw new IllegalArgumentException("RLE runs cover " + position + " of " + total + " pixels");
    }
    return pixels;
  }

  /** Parses the compressed string into run lengths. */
  static long[] counts(String compressed) {
    long[] counts = new long[Math.max(4, compressed.length())];
    int count = 0;
    int position = 0;
    while (position < compressed.length()) {
      long value = 0;
      int shift = 0;
      long chunk;
      do {
        if (position >= compressed.length()) {
          throw new IllegalArgumentException("truncated RLE string");
        }
        chunk = compressed.charAt(position++) - 48;
        if (chunk < 0 || chunk > 63) {
          throw new IllegalArgumentException("invalid character in RLE string");
        }
        value |= (chunk & 0x1f) << shift;
        shift += 5;
      } while ((chunk & 0x20) != 0);
      if ((chunk & 0x10) != 0) {
        value |= -1L << shift; // sign-extend
      }
      if (count > 2) {
        value += counts[count - 2]; // stored as a difference to the run two before
      }
      counts[count++] = value;
    }
    long[] out = new long[count];
    System.arraycopy(counts, 0, out, 0, count);
    return out;
  }
}
