package io.gcgserve.server.security;

/** Credentials read from files that can be re-read while the server runs. */
interface Reloadable {

  /** Result of a reload that put new credentials in force. */
  String APPLIED = "applied";

  /** Result of a reload whose files did not load; the credentials in force stay. */
  String REJECTED = "rejected";

  /** Result of a reload of files whose content had not changed. */
  String UNCHANGED = "unchanged";

  /** What the credentials are, as the metric's {@code credential} label. */
  String credential();

  /**
   * Re-reads the files if their content changed; {@code explicit} (SIGHUP) also reports {@link
   * #UNCHANGED}. Returns {@link #APPLIED}, {@link #REJECTED}, {@link #UNCHANGED}, or null when a
   * poll found nothing new.
   */
  @org.jspecify.annotations.Nullable
  String reload(boolean explicit);
}
