package io.gcgserve.model.mask;

import io.gcgserve.model.BinaryMask;
import java.util.Arrays;
import java.util.BitSet;

/**
 * COCO run-length encoding, byte-compatible with pycocotools: runs over the mask in column-major
 * (Fortran) order, starting with a run of zeros, and the compressed string form of {@code
 * maskUtils.encode} (6-bit groups offset by 48, runs after the second stored as the difference to
 * the run two before).
 *
 * @param height mask height ({@code size[0]} in COCO)
 * @param width mask width ({@code size[1]} in COCO)
 * @param counts run lengths, alternating background and foreground, first run background
 */
public record CocoRle(int height, int width, long[] counts) {

  /** Validates that the runs cover the mask exactly. */
  public CocoRle {
    counts = counts.clone();
    long total = 0;
    for (long count : counts) {
      if (count < 0) {
        throw new IllegalArgumentException("RLE counts must be non-negative");
      }
      total += count;
    }
    if (total != (long) height * width) {
      throw new IllegalArgumentException(
          "RLE counts sum to "
              + total
              + " but the mask has "
              + ((long) height * width)
              + " pixels");
    }
  }

  /**
   * Encodes a binary mask. Only the columns and rows of the foreground's bounding box ({@link
   * BinaryMask#bbox}) are walked; the rest is background.
   */
  public static CocoRle encode(BinaryMask mask) {
    int height = mask.height();
    int width = mask.width();
    BitSet pixels = mask.pixels();
    int[] box = mask.bbox(); // x, y, w, h; all zeros when empty
    int left = box[0];
    int right = box[0] + box[2] - 1;
    int top = box[1];
    int bottom = box[1] + box[3] - 1;
    long[] runs = new long[16];
    int runCount = 0;
    long end = 0; // column-major position where the last foreground run ended
    for (int x = left; x <= right; x++) {
      int y = top;
      while (y <= bottom) {
        if (!pixels.get(y * width + x)) {
          y++;
          continue;
        }
        int from = y;
        while (y <= bottom && pixels.get(y * width + x)) {
          y++;
        }
        long start = (long) x * height + from;
        if (runCount > 0 && start == end) {
          runs[runCount - 1] += y - from; // carries on from the previous column's last rows
        } else {
          if (runCount + 2 > runs.length) {
            runs = Arrays.copyOf(runs, runs.length * 2);
          }
          runs[runCount++] = start - end;
          runs[runCount++] = y - from;
        }
        end = (long) x * height + y;
      }
    }
    long total = (long) height * width;
    if (runCount == 0 || end < total) {
      if (runCount == runs.length) {
        runs = Arrays.copyOf(runs, runs.length + 1);
      }
      runs[runCount++] = total - end;
    }
    return new CocoRle(height, width, Arrays.copyOf(runs, runCount));
  }

  /** Decodes into a binary mask with the given score. */
  public BinaryMask decode(float score) {
    BitSet pixels = new BitSet(height * width);
    long position = 0;
    boolean value = false;
    for (long count : counts) {
      if (value) {
        for (long p = position; p < position + count; p++) {
          int x = (int) (p / height);
          int y = (int) (p % height);
          pixels.set(y * width + x);
        }
      }
      position += count;
      value = !value;
    }
    return new BinaryMask(width, height, pixels, score);
  }

  /** Foreground pixel count. */
  public long area() {
    long area = 0;
    for (int i = 1; i < counts.length; i += 2) {
      area += counts[i];
    }
    return area;
  }

  /** The compressed counts string, as in pycocotools' {@code rleToString}. */
  public String toCompressedString() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < counts.length; i++) {
      long value = counts[i];
      if (i > 2) {
        value -= counts[i - 2];
      }
      boolean more = true;
      while (more) {
        long chunk = value & 0x1f;
        value >>= 5;
        more = (chunk & 0x10) != 0 ? value != -1 : value != 0;
        if (more) {
          chunk |= 0x20;
        }
        out.append((char) (chunk + 48));
      }
    }
    return out.toString();
  }

  /**
   * Parses pycocotools' compressed counts string.
   *
   * @throws IllegalArgumentException when the string is malformed or does not cover the mask
   */
  public static CocoRle fromCompressedString(int height, int width, String compressed) {
    long[] counts = new long[16];
    int count = 0;
    int position = 0;
    while (position < compressed.length()) {
      long value = 0;
      int shift = 0;
      boolean more = true;
      long chunk = 0;
      while (more) {
        if (position >= compressed.length()) {
          throw new IllegalArgumentException("truncated RLE string");
        }
        chunk = compressed.charAt(position++) - 48;
        if (chunk < 0 || chunk > 63) {
          throw new IllegalArgumentException("invalid character in RLE string");
        }
        value |= (chunk & 0x1f) << shift;
        more = (chunk & 0x20) != 0;
        shift += 5;
      }
      if ((chunk & 0x10) != 0) {
        value |= -1L << shift;
      }
      if (count > 2) {
        value += counts[count - 2];
      }
      if (count == counts.length) {
        counts = Arrays.copyOf(counts, counts.length * 2);
      }
      counts[count++] = value;
    }
    return new CocoRle(height, width, Arrays.copyOf(counts, count));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CocoRle that
        && height == that.height
        && width == that.width
        && Arrays.equals(counts, that.counts);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * height + width) + Arrays.hashCode(counts);
  }

  @Override
  public String toString() {
    return "CocoRle[" + height + "x" + width + ", " + toCompressedString() + "]";
  }
}
