package io.gcgserve.server.experiment;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Chooses an arm by weighted rendezvous hashing, a stable and documented scheme any client can
 * reproduce (server/README.md, "How an arm is chosen"):
 *
 * <ol>
 *   <li>for each arm, {@code h} = the first 8 bytes, big-endian, of SHA-256 over the UTF-8 bytes of
 *       {@code salt}, a 0x00 byte, {@code subject_key}, a 0x00 byte and the arm's name;
 *   <li>{@code u} = ({@code h >>> 11} + 0.5) / 2<sup>53</sup>, uniform in (0, 1);
 *   <li>the arm with the largest {@code ln(u) / weight} wins (the first in file order on a tie).
 * </ol>
 *
 * <p>{@code -ln(u) / weight} is exponential with rate {@code weight}, so an arm wins with
 * probability weight / total. Each arm's score depends only on its own name and weight, which gives
 * the properties an experiment needs: the same key gets the same arm on every replica and after
 * restarts; changing one arm's weight moves keys only between that arm and the others, about as
 * many as its share changed; adding or removing an arm moves only the keys it gains or loses;
 * reordering arms moves none.
 */
public final class ArmHash {

  private static final double TWO_TO_53 = 0x1p53;

  private ArmHash() {}

  /** The arm {@code subjectKey} is assigned to: its index in {@code arms}. */
  public static int choose(String salt, String subjectKey, List<Arm> arms) {
    int best = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < arms.size(); i++) {
      Arm arm = arms.get(i);
      double score = Math.log(unit(hash(salt, subjectKey, arm.name()))) / arm.weight();
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    return best;
  }

  /**
   * An arm drawn at random with the arms' weights, the same race as {@link #choose} with random
   * numbers for the hashes: for requests without a subject key.
   */
  public static int draw(List<Arm> arms, LongSupplier random) {
    int best = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < arms.size(); i++) {
      double score = Math.log(unit(random.getAsLong())) / arms.get(i).weight();
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    return best;
  }

  /** The 64-bit hash of one (salt, key, arm) triple. */
  static long hash(String salt, String subjectKey, String armName) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    sha256.update(salt.getBytes(StandardCharsets.UTF_8));
    sha256.update((byte) 0);
    sha256.update(subjectKey.getBytes(StandardCharsets.UTF_8));
    sha256.update((byte) 0);
    sha256.update(armName.getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.wrap(sha256.digest()).getLong();
  }

  /** 64 random bits as a double uniform in the open interval (0, 1). */
  static double unit(long bits) {
    return ((bits >>> 11) + 0.5) / TWO_TO_53;
  }
}
