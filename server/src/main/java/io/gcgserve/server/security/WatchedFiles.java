package io.gcgserve.server.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Files whose content is watched: a change is noticed by the SHA-256 of their bytes, not their
 * modification time, so a Kubernetes Secret swapped under a symlink is noticed too.
 */
final class WatchedFiles {

  private final List<Path> files;
  private byte @Nullable [] seen;

  WatchedFiles(List<Path> files) {
    this.files = List.copyOf(files);
  }

  /** The files, for messages. */
  List<Path> files() {
    return files;
  }

  /**
   * Whether the content differs from the last {@link #markSeen} (true when unreadable: the reload
   * then fails and says why).
   */
  synchronized boolean changed() {
    byte[] now = digestOrNull();
    return now == null || seen == null || !MessageDigest.isEqual(now, seen);
  }

  /** Records the content as seen now, whether it loaded or not, so one bad change logs once. */
  synchronized void markSeen() {
    seen = digestOrNull();
  }

  private byte @Nullable [] digestOrNull() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path file : files) {
        digest.update(Files.readAllBytes(file));
        digest.update((byte) 0);
      }
      return digest.digest();
    } catch (IOException e) {
      return null;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
