package io.gcgserve.server.experiment;

/**
 * Values of the documented hash, computed once with a separate implementation (Python hashlib) of
 * the algorithm in server/README.md, which quotes the same ones.
 */
final class ArmHashVectors {

  /** First 8 bytes of SHA-256("salt" 0x00 "user-1" 0x00 "arm-a"), big-endian, signed. */
  static final long SALT_USER1_ARMA = 4107991268272220341L;

  /** The arm index of key "alice" under salt "2026-12" with arms a:1, b:1, c:2. */
  static final int ALICE_ARM = 2;

  private ArmHashVectors() {}
}
