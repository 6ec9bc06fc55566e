package io.gcgserve.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * A bare HTTP/2 client over plaintext TCP that writes frames by hand, for behaviour that
 * grpc-java's own client will not produce: pings faster than its 10 s keepalive floor, and streams
 * opened and reset in a loop (rapid reset). Headers are HPACK literals without Huffman coding.
 */
final class RawHttp2 implements AutoCloseable {

  static final int TYPE_HEADERS = 0x1;
  static final int TYPE_RST_STREAM = 0x3;
  static final int TYPE_SETTINGS = 0x4;
  static final int TYPE_PING = 0x6;
  static final int TYPE_GOAWAY = 0x7;
  static final int ENHANCE_YOUR_CALM = 0xb;
  static final int CANCEL = 0x8;

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** A frame read from the server. */
  record Frame(int type, int flags, int stream, byte[] payload) {}

  /** The server's GOAWAY: its error code and debug text. */
  record GoAway(int errorCode, String debug) {}

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private int nextStream = 1;

  private RawHttp2(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** Connects, sends the preface and empty SETTINGS. */
  static RawHttp2 connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(20_000);
    RawHttp2 client = new RawHttp2(socket);
    client.out.write(PREFACE);
    client.frame(TYPE_SETTINGS, 0, 0, new byte[0]);
    return client;
  }

  /** Sends a PING with an 8-byte payload. */
  void ping(long data) throws IOException {
    frame(TYPE_PING, 0, 0, ByteBuffer.allocate(8).putLong(data).array());
  }

  /** Opens a stream with the headers of a call to {@code path}; returns its id. */
  int openCall(String path) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.write(0x83); // :method POST (static index 3)
    block.write(0x86); // :scheme http (static index 6)
    literal(block, 4, null, path); // :path, name from static index 4
    literal(block, 1, null, "localhost"); // :authority, static index 1
    literal(block, 0, "content-type", "application/grpc");
    literal(block, 0, "te", "trailers");
    int stream = nextStream;
    nextStream += 2;
    frame(TYPE_HEADERS, 0x4, stream, block.toByteArray()); // END_HEADERS
    return stream;
  }

  /** Resets {@code stream} with CANCEL. */
  void reset(int stream) throws IOException {
    frame(TYPE_RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(CANCEL).array());
  }

  /**
   * Reads frames until a GOAWAY (returned) or the end of the connection (null); fails on the
   * socket's read timeout.
   */
  @Nullable GoAway awaitGoAway() throws IOException {
    while (true) {
      Frame frame = read();
      if (frame == null) {
        return null;
      }
      if (frame.type() == TYPE_GOAWAY) {
        ByteBuffer payload = ByteBuffer.wrap(frame.payload());
        payload.getInt(); // last stream id
        int code = payload.getInt();
        byte[] debug = new byte[payload.remaining()];
        payload.get(debug);
        return new GoAway(code, new String(debug, StandardCharsets.UTF_8));
      }
    }
  }

  /** Reads until the server closes the connection: true when it did before the read timeout. */
  boolean closedByServer() throws IOException {
    try {
      while (read() != null) {
        // drain
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  /** Sends a PING and waits for its ACK: true when the connection still answers. */
  boolean answersPing(long data) throws IOException {
    ping(data);
    while (true) {
      Frame frame = read();
      if (frame == null || frame.type() == TYPE_GOAWAY) {
        return false;
      }
      if (frame.type() == TYPE_PING
          && (frame.flags() & 0x1) != 0
          && ByteBuffer.wrap(frame.payload()).getLong() == data) {
        return true;
      }
    }
  }

  /** The next frame, or null at the end of the connection. */
  @Nullable Frame read() throws IOException {
    byte[] header = new byte[9];
    try {
      in.readFully(header);
    } catch (EOFException | SocketException e) {
      return null;
    }
    int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
    int stream = ByteBuffer.wrap(header, 5, 4).getInt() & 0x7fffffff;
    byte[] payload = new byte[length];
    try {
      in.readFully(payload);
    } catch (EOFException | SocketException e) {
      return null;
    }
    return new Frame(header[3] & 0xff, header[4] & 0xff, stream, payload);
  }

  private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(9);
    header.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8));
    header.put((byte) payload.length).put((byte) type).put((byte) flags).putInt(stream);
    out.write(header.array());
    out.write(payload);
    out.flush();
  }

  /** An HPACK literal without indexing: a static-table name index, or a new name when 0. */
  private static void literal(
      ByteArrayOutputStream block, int nameIndex, @Nullable String name, String value) {
    block.write(nameIndex); // 0000xxxx: literal without indexing, 4-bit name index
    if (nameIndex == 0) {
      string(block, java.util.Objects.requireNonNull(name, "name"));
    }
    string(block, value);
  }

  private static void string(ByteArrayOutputStream block, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length >= 127) {
      throw new IllegalArgumentException("header too long for this encoder: " + text);
    }
    block.write(bytes.length);
    block.writeBytes(bytes);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
