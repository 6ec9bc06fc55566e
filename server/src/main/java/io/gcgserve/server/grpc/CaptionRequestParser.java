package io.gcgserve.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.gcgserve.proto.v1.CaptionRequest;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.jspecify.annotations.Nullable;

/**
 * Parses {@code CaptionRequest} bytes without throwing: a message that is not a valid protobuf, or
 * whose string fields are not UTF-8, becomes a {@link ParsedCaptionRequest} holding a client-facing
 * description of what is wrong (the field's path and byte offset for bad UTF-8), so the service
 * answers it with {@code INVALID_ARGUMENT} instead of grpc-java's {@code UNKNOWN} "Application
 * error processing RPC". The transport has already enforced {@code --max-message-bytes} before a
 * message gets here.
 */
public final class CaptionRequestParser
    implements MethodDescriptor.Marshaller<ParsedCaptionRequest> {

  /** Nesting the parser follows; protobuf's own default, so no real request is refused. */
  static final int RECURSION_LIMIT = 100;

  /** The marshaller; it keeps no state. */
  public CaptionRequestParser() {}

  @Override
  public InputStream stream(ParsedCaptionRequest value) {
    CaptionRequest request = value.request();
    if (request == null) {
      throw new IllegalArgumentException("a malformed request cannot be serialised");
    }
    return new ByteArrayInputStream(request.toByteArray());
  }

  @Override
  public ParsedCaptionRequest parse(InputStream stream) {
    byte[] bytes;
    try {
      bytes = stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading a request from the transport failed", e);
    }
    return parse(bytes);
  }

  /** Parses {@code bytes} as a {@code CaptionRequest}, or describes why they are not one. */
  public static ParsedCaptionRequest parse(byte[] bytes) {
    CodedInputStream input = CodedInputStream.newInstance(bytes);
    // the image is the bulk of the message: let it share the buffer we already own
    input.enableAliasing(true);
    input.setRecursionLimit(RECURSION_LIMIT);
    try {
      CaptionRequest request = CaptionRequest.parser().parseFrom(input);
      return ParsedCaptionRequest.of(request);
    } catch (InvalidProtocolBufferException e) {
      String badUtf8 = findInvalidUtf8(bytes);
      if (badUtf8 != null) {
        return ParsedCaptionRequest.malformed(badUtf8);
      }
      return ParsedCaptionRequest.malformed(
          "the request is not a valid gcg.v1.CaptionRequest protobuf ("
              + describe(e)
              + "); send the message your generated gcg.v1 stubs serialise");
    }
  }

  private static String describe(InvalidProtocolBufferException e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? "unreadable bytes" : message.strip();
  }

  /**
   * The description of the first string field whose bytes are not UTF-8, walking the message by its
   * descriptor, or null when every string field is UTF-8 (or the bytes are not walkable).
   */
  static @Nullable String findInvalidUtf8(byte[] bytes) {
    try {
      return findInvalidUtf8(
          CodedInputStream.newInstance(bytes), CaptionRequest.getDescriptor(), "", 0, 0);
    } catch (IOException | RuntimeException e) {
      // the walk is best effort: the caller falls back to protobuf's own description
      return null;
    }
  }

  private static @Nullable String findInvalidUtf8(
      CodedInputStream input, Descriptor type, String path, int baseOffset, int depth)
      throws IOException {
    if (depth > RECURSION_LIMIT) {
      return null;
    }
    while (!input.isAtEnd()) {
      int tag = input.readTag();
      if (tag == 0) {
        return null;
      }
      FieldDescriptor field = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
      boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
      if (field == null || !delimited) {
        input.skipField(tag);
        continue;
      }
      int offset = baseOffset + input.getTotalBytesRead();
      ByteString value = input.readBytes();
      // the length prefix sits between the tag and the value
      int valueOffset = offset + CodedOutputStream.computeUInt32SizeNoTag(value.size());
      String name = path.isEmpty() ? field.getName() : path + "." + field.getName();
      if (field.getType() == FieldDescriptor.Type.STRING && !value.isValidUtf8()) {
        return name
            + " is not valid UTF-8 (its "
            + value.size()
            + " bytes start at byte offset "
            + valueOffset
            + " of the message); protobuf strings must be UTF-8: fix the encoding, or send"
            + " binary data in a bytes field";
      }
      if (field.getType() == FieldDescriptor.Type.MESSAGE) {
        String nested =
            findInvalidUtf8(
                value.newCodedInput(), field.getMessageType(), name, valueOffset, depth + 1);
        if (nested != null) {
          return nested;
        }
      }
    }
    return null;
  }
}
