package io.gcgserve.server.security;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer tokens read from a file, one per line ({@code #} starts a comment line, blank lines are
 * skipped), re-read when it changes. Only the SHA-256 of each token is kept, and {@link #accepts}
 * compares digests with {@link MessageDigest#isEqual} against every token, so the time it takes
 * says nothing about how much of a token matched or which one did.
 */
final class TokenFile implements Reloadable {

  /** Shortest token accepted, in characters: shorter ones are guessable. */
  static final int MIN_TOKEN_CHARS = 16;

  private static final Logger log = LoggerFactory.getLogger(TokenFile.class);

  private final Path file;
  private final String credential;
  private final SecurityMetrics metrics;
  private final WatchedFiles watched;
  private volatile List<byte[]> digests;

  /**
   * Reads {@code file} once.
   *
   * @throws IOException naming the file, and the line when a token is not acceptable
   */
  TokenFile(Path file, String credential, SecurityMetrics metrics) throws IOException {
    this.file = requireNonNull(file, "file is null");
    this.credential = requireNonNull(credential, "credential is null");
    this.metrics = requireNonNull(metrics, "metrics is null");
    this.watched = new WatchedFiles(List.of(file));
    watched.markSeen();
    this.digests = read(file);
  }

  /** Whether {@code token} is one of the file's, compared in constant time. */
  boolean accepts(String token) {
    byte[] presented = sha256(token);
    boolean found = false;
    for (byte[] digest : digests) {
      found |= MessageDigest.isEqual(digest, presented);
    }
    return found;
  }

  @Override
  public String credential() {
    return credential;
  }

  @Override
  public synchronized @Nullable String reload(boolean explicit) {
    if (!watched.changed()) {
      if (explicit) {
        metrics.reloaded(credential, UNCHANGED);
        return UNCHANGED;
      }
      return null;
    }
    watched.markSeen();
    try {
      digests = read(file);
    } catch (IOException e) {
      log.warn("{} changed but does not load; the tokens in force stay: {}", file, e.getMessage());
      metrics.reloaded(credential, REJECTED);
      return REJECTED;
    }
    metrics.reloaded(credential, APPLIED);
    log.info("{} reloaded: {} tokens in force", file, digests.size());
    return APPLIED;
  }

  private static List<byte[]> read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<byte[]> digests = new ArrayList<>();
    for (int index = 0; index < lines.size(); index++) {
      String token = lines.get(index).strip();
      if (token.isEmpty() || token.startsWith("#")) {
        continue;
      }
      String problem = problem(token);
      if (problem != null) {
        // the message names the line, never the token
        throw new IOException(file + ":" + (index + 1) + ": " + problem);
      }
      digests.add(sha256(token));
    }
    if (digests.isEmpty()) {
      throw new IOException(file + ": holds no token (one per line, # starts a comment)");
    }
    return List.copyOf(digests);
  }

  private static @Nullable String problem(String token) {
    if (token.length() < MIN_TOKEN_CHARS) {
      return "a token must have at least " + MIN_TOKEN_CHARS + " characters";
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c <= ' ' || c > '~') {
        return "a token must be printable ASCII without spaces (as an HTTP header value)";
      }
    }
    return null;
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
