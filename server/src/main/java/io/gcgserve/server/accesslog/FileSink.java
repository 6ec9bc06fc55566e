package io.gcgserve.server.accesslog;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import org.jspecify.annotations.Nullable;

/**
 * Lines appended to a file. The file is opened with CREATE and APPEND, never truncated. It is
 * reopened when its path stops naming the open file (compared by {@link
 * BasicFileAttributes#fileKey()}: device and inode on Unix), and rotated by size when asked to.
 * When a file is opened that does not end in a line break (a write cut short by a full disk), a
 * line break is written first, so the broken line stays one bad line and the next is whole.
 */
final class FileSink implements LogSink {

  private final Path path;
  private final StreamOpener opener;
  private final long rotateBytes;
  private final int keepFiles;
  private @Nullable OutputStream out;
  private @Nullable Object fileKey;
  private long size;

  private FileSink(Path path, StreamOpener opener, long rotateBytes, int keepFiles) {
    this.path = requireNonNull(path, "path is null");
    this.opener = requireNonNull(opener, "opener is null");
    this.rotateBytes = rotateBytes;
    this.keepFiles = keepFiles;
  }

  /**
   * Opens {@code path} now, so that a path that cannot be written is reported at start.
   *
   * @param rotateBytes the size to rotate at, 0 for never
   * @param keepFiles rotated files kept, FILE.1 to FILE.keepFiles
   */
  static FileSink open(Path path, StreamOpener opener, long rotateBytes, int keepFiles)
      throws IOException {
    FileSink sink = new FileSink(path, opener, rotateBytes, keepFiles);
    sink.openStream();
    return sink;
  }

  private OutputStream openStream() throws IOException {
    OutputStream stream = opener.open(path);
    try {
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      long length = attributes.size();
      if (length > 0 && !endsWithLineBreak(length)) {
        stream.write('\n');
        length++;
      }
      fileKey = attributes.fileKey();
      size = length;
    } catch (IOException | RuntimeException e) {
      closeQuietly(stream);
      throw e;
    }
    out = stream;
    return stream;
  }

  private boolean endsWithLineBreak(long length) throws IOException {
    try (SeekableByteChannel channel = Files.newByteChannel(path, StandardOpenOption.READ)) {
      ByteBuffer last = ByteBuffer.allocate(1);
      channel.position(length - 1);
      return channel.read(last) != 1 || last.get(0) == '\n';
    }
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    OutputStream stream = out;
    if (stream == null) {
      stream = openStream();
    }
    stream.write(bytes, offset, length);
    size += length;
  }

  @Override
  public boolean shouldRotate(long pendingBytes, long lineBytes) {
    return rotateBytes > 0
        && out != null
        && size + pendingBytes > 0
        && size + pendingBytes + lineBytes > rotateBytes;
  }

  @Override
  public void rotate() throws IOException {
    OutputStream stream = out;
    out = null;
    if (stream != null) {
      stream.close();
    }
    for (int index = keepFiles - 1; index >= 1; index--) {
      Path older = rotated(index);
      if (Files.exists(older)) {
        Files.move(older, rotated(index + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    if (Files.exists(path)) {
      Files.move(path, rotated(1), StandardCopyOption.REPLACE_EXISTING);
    }
    openStream();
  }

  /** The name of the {@code index}-th rotated file: FILE.index. */
  Path rotated(int index) {
    return path.resolveSibling(path.getFileName() + "." + index);
  }

  @Override
  public void followPath() throws IOException {
    OutputStream stream = out;
    if (stream == null) {
      return;
    }
    boolean moved;
    try {
      Object current = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
      moved = current != null && !current.equals(fileKey);
    } catch (NoSuchFileException e) {
      moved = true;
    }
    if (moved) {
      out = null;
      closeQuietly(stream);
      openStream();
    }
  }

  @Override
  public void abandon() {
    OutputStream stream = out;
    out = null;
    if (stream != null) {
      closeQuietly(stream);
    }
  }

  @Override
  public void close() throws IOException {
    OutputStream stream = out;
    out = null;
    if (stream != null) {
      stream.close();
    }
  }

  @Override
  public String describe() {
    return path.toString();
  }

  private static void closeQuietly(OutputStream stream) {
    try {
      stream.close();
    } catch (IOException | RuntimeException e) {
      // The stream already failed or was replaced; its close error adds nothing.
    }
  }
}
