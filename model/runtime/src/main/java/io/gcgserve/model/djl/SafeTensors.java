package io.gcgserve.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.gcgserve.model.ModelLoadException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
 * mapping each tensor name to dtype, shape and byte offsets, then the raw little-endian data.
 *
 * <p>F32, F16 and BF16 tensors are read; everything is returned as float32 NDArrays because the CPU
 * engine computes in float32. Writing supports F32 and F16 (the bundled checkpoint is stored in F16
 * to halve its size).
 */
public final class SafeTensors {

  /** Storage precision when writing. */
  public enum StorageType {
    F32,
    F16
  }

  private SafeTensors() {}

  /**
   * Parses safetensors bytes into float32 NDArrays owned by {@code manager}, in file order.
   *
   * @param source file name used in error messages
   */
  public static Map<String, NDArray> read(byte[] bytes, NDManager manager, String source) {
    if (bytes.length < 8) {
      throw new ModelLoadException(source + " is too short to be a safetensors file");
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = buffer.getLong();
    if (headerLength <= 0 || headerLength > bytes.length - 8) {
      throw new ModelLoadException(source + " has a corrupt header length " + headerLength);
    }
    String headerText = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8).trim();
    JsonObject header;
    try {
      header = JsonParser.parseString(headerText).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new ModelLoadException(source + " has a header that is not JSON", e);
    }
    int dataStart = 8 + (int) headerLength;
    Map<String, NDArray> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
      if (entry.getKey().equals("__metadata__")) {
        continue;
      }
      JsonObject info = entry.getValue().getAsJsonObject();
      String dtype = info.get("dtype").getAsString();
      JsonArray shapeJson = info.getAsJsonArray("shape");
      long[] dims = new long[shapeJson.size()];
      long elements = 1;
      for (int i = 0; i < dims.length; i++) {
        dims[i] = shapeJson.get(i).getAsLong();
        elements *= dims[i];
      }
      JsonArray offsets = info.getAsJsonArray("data_offsets");
      long begin = offsets.get(0).getAsLong();
      long end = offsets.get(1).getAsLong();
      int elementBytes =
          switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default ->
                throw new ModelLoadException(
                    source
                        + ": tensor '"
                        + entry.getKey()
                        + "' has unsupported dtype "
                        + dtype
                        + " (supported: F32, F16, BF16)");
          };
      if (end - begin != elements * elementBytes || dataStart + end > bytes.length) {
        throw new ModelLoadException(
            source + ": tensor '" + entry.getKey() + "' has offsets that do not match its shape");
      }
      float[] values = new float[(int) elements];
      ByteBuffer data =
          ByteBuffer.wrap(bytes, dataStart + (int) begin, (int) (end - begin))
              .order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < values.length; i++) {
        values[i] =
            switch (dtype) {
              case "F32" -> data.getFloat();
              case "F16" -> halfToFloat(data.getShort());
              default -> Float.intBitsToFloat((data.getShort() & 0xffff) << 16);
            };
      }
      tensors.put(entry.getKey(), manager.create(values, new Shape(dims)));
    }
    return tensors;
  }

  /** Writes tensors (sorted by name, for reproducible files) in the given storage precision. */
  public static void write(
      Map<String, NDArray> tensors,
      StorageType storage,
      Map<String, String> metadata,
      OutputStream out)
      throws IOException {
    Map<String, NDArray> sorted = new TreeMap<>(tensors);
    JsonObject header = new JsonObject();
    if (!metadata.isEmpty()) {
      JsonObject meta = new JsonObject();
      metadata.forEach(meta::addProperty);
      header.add("__metadata__", meta);
    }
    int elementBytes = storage == StorageType.F32 ? 4 : 2;
    long offset = 0;
    for (Map.Entry<String, NDArray> entry : sorted.entrySet()) {
      NDArray array = entry.getValue();
      JsonObject info = new JsonObject();
      info.addProperty("dtype", storage.name());
      JsonArray shape = new JsonArray();
      for (long dim : array.getShape().getShape()) {
        shape.add(dim);
      }
      info.add("shape", shape);
      JsonArray offsets = new JsonArray();
      long size = array.size() * elementBytes;
      offsets.add(offset);
      offsets.add(offset + size);
      info.add("data_offsets", offsets);
      header.add(entry.getKey(), info);
      offset += size;
    }
    byte[] headerBytes = header.toString().getBytes(StandardCharsets.UTF_8);
    int padding = (8 - headerBytes.length % 8) % 8;
    ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    prefix.putLong(headerBytes.length + padding);
    out.write(prefix.array());
    out.write(headerBytes);
    for (int i = 0; i < padding; i++) {
      out.write(' ');
    }
    for (NDArray array : sorted.values()) {
      float[] values = array.toType(DataType.FLOAT32, false).toFloatArray();
      ByteBuffer data =
          ByteBuffer.allocate(values.length * elementBytes).order(ByteOrder.LITTLE_ENDIAN);
      for (float value : values) {
        if (storage == StorageType.F32) {
          data.putFloat(value);
        } else {
          data.putShort(floatToHalf(value));
        }
      }
      out.write(data.array());
    }
  }

  /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
  static float halfToFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      if (mantissa == 0) {
        return Float.intBitsToFloat(sign);
      }
      // subnormal: value = mantissa * 2^-24
      float value = mantissa * 0x1p-24f;
      return sign == 0 ? value : -value;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  /** Float to IEEE 754 binary16 with round-to-nearest-even; overflow saturates to infinity. */
  static short floatToHalf(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = ((bits >>> 23) & 0xff) - 127 + 15;
    int mantissa = bits & 0x7fffff;
    if (((bits >>> 23) & 0xff) == 0xff) {
      return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
    }
    if (exponent >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (exponent <= 0) {
      if (exponent < -10) {
        return (short) sign;
      }
      mantissa |= 0x800000;
      int shift = 14 - exponent;
      int half = mantissa >> shift;
      int remainder = mantissa & ((1 << shift) - 1);
      int midpoint = 1 << (shift - 1);
      if (remainder > midpoint || (remainder == midpoint && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (exponent << 10) | (mantissa >> 13);
    int remainder = mantissa & 0x1fff;
    if (remainder > 0x1000 || (remainder == 0x1000 && (half & 1) != 0)) {
      half++;
    }
    return (short) (sign | half);
  }
}
